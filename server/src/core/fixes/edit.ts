/**
 * Text edits as the fix functions return them: offsets into the text they were computed from.
 * The language server converts them to LSP ranges; tests apply them with `applyEdits`.
 */

/** Replace `[start, end)` of the original text with `newText`. An insertion has `start === end`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

/** Applies non-overlapping edits (in any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of sorted) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}

/** One physical line of a text: where it starts, where its content ends (before the newline). */
export interface Line {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Splits text into lines, keeping their offsets; `\r\n` and `\n` both end a line. */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const stop = newline === -1 ? text.length : newline;
    const end = stop > start && text[stop - 1] === '\r' ? stop - 1 : stop;
    lines.push({ start, end, text: text.slice(start, end) });
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

/** The newline the text already uses, so inserted lines match it. */
export function newlineOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** An edit that adds `line` as a new last line, with a newline before it when the text lacks one. */
export function appendLine(text: string, line: string): TextEdit {
  const nl = newlineOf(text);
  const needsNewline = text.length > 0 && !text.endsWith('\n');
  return { start: text.length, end: text.length, newText: `${needsNewline ? nl : ''}${line}${nl}` };
}

/** The leading whitespace of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}
