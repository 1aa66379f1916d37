/**
 * Issue 11, item 25: one rule decides what is text, for the CLI and the server. After random edits
 * left binary bytes in a file, `check` refused it as a binary file while the server published a
 * thousand diagnostics for it. Here the same bytes go to both, as the CLI reads a file and as an
 * editor holds it (decoded as UTF-8): the CLI refuses them exactly when the server skips them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { loadInput } from '../../server/src/cli/inputs';
import { Analyzer, coreEngine } from '../../server/src/lsp/analysis';
import { binaryContentCode } from '../../server/src/lsp/convert';
import { defaultSettings } from '../../server/src/lsp/settings';

const dir = mkdtempSync(join(tmpdir(), 'redzone-text-rule-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const leaf = readFileSync(join(process.cwd(), 'test', 'fixtures', 'asm', 'gcc-O0-leaf.s'));

/** The two verdicts on the same bytes: does the CLI refuse them, does the server skip them? */
function verdicts(bytes: Uint8Array, version: number): { cli: boolean; server: boolean } {
  const path = join(dir, 'input.s');
  writeFileSync(path, bytes);
  const loaded = loadInput(path, dir, 1 << 24);
  const cli = loaded.kind === 'error' && loaded.input === 'binary';
  const document = TextDocument.create(`file://${path}`, 'gas-x86', version, new TextDecoder('utf-8').decode(bytes));
  const analysis = new Analyzer(coreEngine, 1 << 24).analyze(document, defaultSettings, []);
  return { cli, server: analysis.skipped?.code === binaryContentCode };
}

test('the NUL-in-comments fixture is analyzed by both; random bytes are refused by both', () => {
  const nul = readFileSync(join(process.cwd(), 'test', 'fixtures', 'asm', 'nul-in-comments.s'));
  assert.deepEqual(verdicts(nul, 1), { cli: false, server: false });
  const random = Uint8Array.from({ length: 4096 }, (_, k) => (k * 2654435761) >>> 24);
  assert.deepEqual(verdicts(random, 2), { cli: true, server: true });
});

test('random edits that leave binary bytes in a text: the CLI and the server agree on every result', () => {
  let version = 10;
  const edit = fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) });
  fc.assert(
    fc.property(fc.array(edit, { maxLength: 40 }), (edits) => {
      let bytes = Buffer.from(leaf);
      for (const { at, bytes: inserted } of edits) {
        const k = at % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, k), inserted, bytes.subarray(k)]);
      }
      const result = verdicts(bytes, version++);
      assert.equal(result.server, result.cli, `CLI refuses: ${result.cli}, server skips: ${result.server}`);
    }),
    { numRuns: 200 },
  );
});
