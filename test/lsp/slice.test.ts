/**
 * Large files hover from a slice of the function under the cursor. The answer must be the one
 * the whole text gives: every line of every assembly fixture is compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText } from '../../server/src/core/index';
import { coreEngine, frameInSlice } from '../../server/src/lsp/analysis';

const fixtures = ['test/fixtures/lsp', 'test/fixtures/asm']
  .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)))
  .filter((path) => /\.(s|S|asm|dis)$/.test(path));

test('a hover from the function slice equals the hover from the whole text', () => {
  let compared = 0;
  for (const path of fixtures) {
    const text = readFileSync(path, 'utf8');
    const report = analyzeText(text);
    const document = TextDocument.create('file:///x.s', 'gas-x86', 1, text);
    for (let line = 0; line < document.lineCount; line++) {
      const whole = coreEngine.frameLayoutAt(text, line);
      const sliced = frameInSlice(coreEngine, document, report, {}, line);
      if (whole === undefined) continue;
      assert.deepEqual(sliced, whole, `${path}:${line + 1}`);
      compared++;
    }
  }
  assert.ok(compared > 20, `compared ${compared} lines`);
});
