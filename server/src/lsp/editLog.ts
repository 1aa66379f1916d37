/**
 * The line edits a document received since its last analysis, so that a hover during a burst of
 * edits is answered from that analysis instead of waiting for (or running) one of a version that
 * the next keystroke replaces. A line of the current text maps back to a line of the analyzed
 * text when no edit touched it, and a function maps forward when no edit touched any of its lines.
 */
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

/** One edit in lines: lines `start..end` of the text before it became `inserted + 1` lines. */
interface LineEdit {
  readonly start: number;
  readonly end: number;
  readonly inserted: number;
}

/** Past this many edits since an analysis, nothing is mapped (the burst has outrun the analysis). */
const maxEdits = 20_000;

/** The edits of every open document since its last analysis. */
export class EditLog {
  readonly #edits = new Map<string, LineEdit[] | 'unknown'>();

  /** Records the changes of one `didChange` (a change without a range replaces the whole text). */
  record(uri: string, changes: readonly TextDocumentContentChangeEvent[]): void {
    let edits = this.#edits.get(uri) ?? [];
    for (const change of changes) {
      if (edits === 'unknown') break;
      if (!('range' in change) || change.range === undefined || edits.length >= maxEdits) {
        edits = 'unknown';
        break;
      }
      edits.push({ start: change.range.start.line, end: change.range.end.line, inserted: countNewlines(change.text) });
    }
    this.#edits.set(uri, edits);
  }

  /** The document was analyzed as it is now: later edits count from here. */
  analyzed(uri: string): void {
    this.#edits.set(uri, []);
  }

  forget(uri: string): void {
    this.#edits.delete(uri);
  }

  /** The line of the analyzed text that `line` of the current text was, or undefined when an edit touched it. */
  lineBefore(uri: string, line: number): number | undefined {
    const edits = this.#edits.get(uri);
    if (edits === undefined || edits === 'unknown') return edits === undefined ? line : undefined;
    let at = line;
    for (let k = edits.length - 1; k >= 0; k--) {
      const edit = edits[k]!;
      if (at < edit.start) continue;
      if (at <= edit.start + edit.inserted) return undefined;
      at -= edit.inserted - (edit.end - edit.start);
    }
    return at;
  }

  /**
   * How far lines `first..last` of the analyzed text have moved in the current text, or undefined
   * when an edit touched one of them.
   */
  shiftOf(uri: string, first: number, last: number): number | undefined {
    const edits = this.#edits.get(uri);
    if (edits === undefined) return 0;
    if (edits === 'unknown') return undefined;
    let from = first;
    let to = last;
    for (const edit of edits) {
      if (edit.end < from) {
        const delta = edit.inserted - (edit.end - edit.start);
        from += delta;
        to += delta;
      } else if (edit.start <= to) {
        return undefined;
      }
    }
    return from - first;
  }
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
