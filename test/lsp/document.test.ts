/**
 * `LineDocument` (the server's open documents, kept as lines so that an edit costs the lines it
 * touches) must read exactly as `vscode-languageserver-textdocument`'s `TextDocument` after any
 * sequence of edits: the same text, lines, offsets and positions. Random texts mix `\n`, `\r\n`
 * and lone `\r`; random edits include reversed ranges, characters past the end of a line, and
 * `\r`/`\n` pieces that join or split line ends. Lines are those of the document (the library
 * itself mixes up its line offsets for a range on a line past the end; no editor sends one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { LineDocument } from '../../server/src/lsp/document';

const piece = fc.constantFrom('a', 'mov', ' ', '\n', '\r', '\r\n', '\n\n', 'x\ny', '', '\t', 'é', '\u{1F600}');
const text = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));
/** A position by a line drawn at random and taken modulo the line count when the edit is applied. */
const position = fc.record({ line: fc.nat(50), character: fc.integer({ min: -1, max: 12 }) });
const change = fc.oneof(
  { weight: 9, arbitrary: fc.record({ range: fc.record({ start: position, end: position }), text }) },
  { weight: 1, arbitrary: fc.record({ text }) },
);

/** The change with its lines taken modulo the document's line count. */
function onDocument(drawn: { range?: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }, lineCount: number): TextDocumentContentChangeEvent {
  if (drawn.range === undefined) return { text: drawn.text };
  const at = (p: { line: number; character: number }) => ({ line: p.line % lineCount, character: p.character });
  return { range: { start: at(drawn.range.start), end: at(drawn.range.end) }, text: drawn.text };
}

/** Everything a reader of the document can ask, for comparison. */
function reading(document: TextDocument): unknown {
  const lines = Array.from({ length: document.lineCount + 2 }, (_, line) => line - 1);
  const offsets = Array.from({ length: document.getText().length + 3 }, (_, offset) => offset - 1);
  return {
    text: document.getText(),
    version: document.version,
    lineCount: document.lineCount,
    positions: offsets.map((offset) => document.positionAt(offset)),
    offsets: lines.flatMap((line) => [0, 1, 3, 100].map((character) => document.offsetAt({ line, character }))),
    ranges: lines.map((line) => document.getText({ start: { line, character: 1 }, end: { line: line + 1, character: 0 } })),
    lineRanges: lines.filter((line) => line < document.lineCount).map((line) => document.getLineRange(line)),
    ends: lines.map((line) => document.getEOLCharacters(line)),
  };
}

test('LineDocument reads like TextDocument after any edits', () => {
  fc.assert(
    fc.property(text, fc.array(change, { maxLength: 20 }), (initial, edits) => {
      let expected = TextDocument.create('file:///a.s', 'gas-x86', 1, initial);
      const actual = LineDocument.create('file:///a.s', 'gas-x86', 1, initial);
      assert.deepEqual(reading(actual), reading(expected));
      const applied: TextDocumentContentChangeEvent[] = [];
      edits.forEach((drawn, k) => {
        const edit = onDocument(drawn, expected.lineCount);
        applied.push(edit);
        expected = TextDocument.update(expected, [edit], k + 2);
        actual.update([edit], k + 2);
        assert.deepEqual(reading(actual), reading(expected), JSON.stringify({ initial, applied }));
      });
    }),
    { numRuns: 400, seed: 24 },
  );
});
