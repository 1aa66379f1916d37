/**
 * Converts the core's positions (0-based lines, UTF-16 offsets into the text) into the 1-based
 * line and column numbers that the JSON, SARIF and text formats print.
 *
 * Columns count UTF-16 code units, as LSP and SARIF (`columnKind: utf16CodeUnits`) do, so the
 * three outputs and the editor agree on every line, including ones with non-ASCII comments.
 */

/** A 1-based position. */
export interface Position1 {
  readonly line: number;
  readonly column: number;
}

/** Line starts of one text, for offset-to-position conversion and for printing source lines. */
export class LineIndex {
  /** Offsets where each line starts; a line ends at `\n` (a preceding `\r` belongs to the break). */
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** Number of lines (an empty text has one empty line). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** The 1-based position of a UTF-16 offset; offsets outside the text are clamped into it. */
  positionAt(offset: number): Position1 {
    const clamped = Math.max(0, Math.min(Number.isFinite(offset) ? offset : 0, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: clamped - this.starts[low]! + 1 };
  }

  /** The 0-based line's text without its line break, or '' when the line does not exist. */
  lineText(line0: number): string {
    if (line0 < 0 || line0 >= this.starts.length) return '';
    const start = this.starts[line0]!;
    const end = line0 + 1 < this.starts.length ? this.starts[line0 + 1]! - 1 : this.text.length;
    const raw = this.text.slice(start, end);
    return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  }

  /** The offset where a 0-based line starts, clamped into the text. */
  lineStart(line0: number): number {
    return this.starts[Math.max(0, Math.min(line0, this.starts.length - 1))]!;
  }
}

/** A 1-based range; `endColumn` is exclusive (the column just after the last character), as in SARIF. */
export interface Range1 {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/**
 * The 1-based range of a core span. When the span does not lie on the finding's own line (a core
 * bug, or a listing that changed), the line is trusted and the whole line is the range, so a
 * report never points at the wrong place.
 */
export function rangeOf(index: LineIndex, line0: number, span: { readonly start: number; readonly end: number }): Range1 {
  const start = index.positionAt(span.start);
  const end = index.positionAt(Math.max(span.start, span.end));
  if (start.line === line0 + 1) return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  const text = index.lineText(line0);
  return { line: line0 + 1, column: 1, endLine: line0 + 1, endColumn: text.length + 1 };
}
