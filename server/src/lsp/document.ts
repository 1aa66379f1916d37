/**
 * The open documents' text, kept as lines so that an edit costs the lines it touches.
 *
 * `vscode-languageserver-textdocument` keeps one string and an array of line offsets: every
 * incremental edit builds a new string (which V8 flattens, copying the whole text, on the next
 * character read) and shifts every offset after the edit. On a 100,000-line file (1.7 MB) that is
 * a few milliseconds per keystroke, and a burst of 1,000 edits (a paste, a macro, a fast typist)
 * spent seconds there and in the garbage it left, while hovers waited behind it. Here an edit
 * splices the lines it touches; the whole text and the line offsets are built again only when
 * someone reads them (the analysis, once per version it analyzes).
 *
 * Line ends are those of `TextDocument`: `\n`, `\r\n` and a lone `\r` each end a line, and a
 * position past the end of a line means its end.
 */
import type { Position, Range, TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

/** A line break: `\r\n`, `\n` or `\r`. */
const LINE_BREAK = /\r\n|\n|\r/g;

/** A document whose text is held as lines; implements `TextDocument`. */
export class LineDocument implements TextDocument {
  readonly uri: string;
  readonly languageId: string;
  #version: number;
  /** The lines without their ends, and each line's end (`''` for the last line). */
  #lines: string[];
  #ends: string[];
  /** The whole text and the offset of each line's start, built on first use after an edit. */
  #text: string | undefined;
  #offsets: number[] | undefined;

  constructor(uri: string, languageId: string, version: number, text: string) {
    this.uri = uri;
    this.languageId = languageId;
    this.#version = version;
    const { lines, ends } = splitLines(text);
    this.#lines = lines;
    this.#ends = ends;
    this.#text = text;
    this.#offsets = undefined;
  }

  /** `TextDocuments`' `create`. */
  static create(uri: string, languageId: string, version: number, text: string): LineDocument {
    return new LineDocument(uri, languageId, version, text);
  }

  get version(): number {
    return this.#version;
  }

  get lineCount(): number {
    return this.#lines.length;
  }

  getText(range?: Range): string {
    this.#text ??= this.#join();
    if (range === undefined) return this.#text;
    return this.#text.substring(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  getLineRange(line: number): Range {
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const at = Math.min(line, this.#lines.length - 1);
    return { start: { line: at, character: 0 }, end: { line: at, character: this.#lines[at]!.length } };
  }

  getEOLCharacters(line: number): string {
    return line < 0 || line >= this.#lines.length ? '' : this.#ends[line]!;
  }

  offsetAt(position: Position): number {
    const offsets = this.#lineOffsets();
    if (position.line >= this.#lines.length) return this.#length();
    if (position.line < 0) return 0;
    return offsets[position.line]! + Math.min(Math.max(position.character, 0), this.#lines[position.line]!.length);
  }

  positionAt(offset: number): Position {
    const offsets = this.#lineOffsets();
    const at = Math.max(Math.min(offset, this.#length()), 0);
    let low = 0;
    let high = offsets.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (offsets[mid]! > at) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    return { line, character: Math.min(at - offsets[line]!, this.#lines[line]!.length) };
  }

  /** Applies the changes of one `didChange` in order, as `TextDocument.update` does. */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && change.range !== undefined) this.#replace(wellFormed(change.range), change.text);
      else {
        const { lines, ends } = splitLines(change.text);
        this.#lines = lines;
        this.#ends = ends;
      }
      this.#text = undefined;
      this.#offsets = undefined;
    }
    this.#version = version;
  }

  /** Replaces the text of `range` by `text`, touching only the lines the range covers. */
  #replace(range: Range, text: string): void {
    const start = this.#clamp(range.start);
    const end = this.#clamp(range.end);
    let first = start.line;
    const startCharacter = start.character;
    const endLine = end.line;
    const endCharacter = end.character;
    let before = this.#lines[first]!.slice(0, startCharacter);
    // After a lone `\r`, what now starts the line may be a `\n` that joins it into one `\r\n`
    // line end: the line before is split again with this one.
    if (first > 0 && startCharacter === 0 && this.#ends[first - 1] === '\r') {
      first--;
      before = `${this.#lines[first]!}\r`;
    }
    const joined = `${before}${text}${this.#lines[endLine]!.slice(endCharacter)}${this.#ends[endLine]!}`;
    const { lines, ends } = splitLines(joined);
    // The joined text ends with the last line's end, which starts the next line: no line of its own.
    if (this.#ends[endLine] !== '' && lines.length > 1 && lines[lines.length - 1] === '' && ends[ends.length - 1] === '') {
      lines.pop();
      ends.pop();
    }
    this.#lines.splice(first, endLine - first + 1, ...lines);
    this.#ends.splice(first, endLine - first + 1, ...ends);
  }

  /** A position inside the text, as `offsetAt` reads it: before line 0 is its start, past the last line the end. */
  #clamp(position: Position): Position {
    const last = this.#lines.length - 1;
    if (position.line < 0) return { line: 0, character: 0 };
    if (position.line > last) return { line: last, character: this.#lines[last]!.length };
    return { line: position.line, character: Math.min(Math.max(position.character, 0), this.#lines[position.line]!.length) };
  }

  #join(): string {
    // Nearly every file ends its lines with `\n` alone: one native join then.
    let plain = true;
    for (let i = 0; i < this.#ends.length - 1 && plain; i++) plain = this.#ends[i] === '\n';
    if (plain) return this.#lines.join('\n');
    const parts: string[] = [];
    for (let i = 0; i < this.#lines.length; i++) parts.push(this.#lines[i]!, this.#ends[i]!);
    return parts.join('');
  }

  #lineOffsets(): number[] {
    if (this.#offsets === undefined) {
      const offsets = new Array<number>(this.#lines.length);
      let at = 0;
      for (let i = 0; i < this.#lines.length; i++) {
        offsets[i] = at;
        at += this.#lines[i]!.length + this.#ends[i]!.length;
      }
      this.#offsets = offsets;
    }
    return this.#offsets;
  }

  #length(): number {
    const offsets = this.#lineOffsets();
    const last = this.#lines.length - 1;
    return offsets[last]! + this.#lines[last]!.length;
  }
}

/** Lines and their ends; a text always has at least one (possibly empty) line. */
function splitLines(text: string): { lines: string[]; ends: string[] } {
  const lines: string[] = [];
  const ends: string[] = [];
  let start = 0;
  LINE_BREAK.lastIndex = 0;
  for (let match = LINE_BREAK.exec(text); match !== null; match = LINE_BREAK.exec(text)) {
    lines.push(text.slice(start, match.index));
    ends.push(match[0]);
    start = match.index + match[0].length;
  }
  lines.push(text.slice(start));
  ends.push('');
  return { lines, ends };
}

/** A range whose start comes before its end. */
function wellFormed(range: Range): Range {
  const { start, end } = range;
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}
