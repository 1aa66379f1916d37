/**
 * Data-driven parser tests: each file under test/fixtures/syntax/ is parsed with dialect detection,
 * and the rendered result (see syntax-render.ts) must equal the `.expected` file beside it.
 * To accept a reviewed change, run with UPDATE_SYNTAX_FIXTURES=1 and read the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAsm } from '../../server/src/core/syntax/index';
import { renderParse } from './syntax-render';

const dir = join(process.cwd(), 'test', 'fixtures', 'syntax');
const inputs = readdirSync(dir).filter((name) => !name.endsWith('.expected'));

for (const name of inputs) {
  test(`fixture ${name}`, () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const actual = renderParse(parseAsm(text));
    const expectedPath = join(dir, `${name}.expected`);
    if (process.env.UPDATE_SYNTAX_FIXTURES === '1' || !existsSync(expectedPath)) writeFileSync(expectedPath, actual);
    assert.equal(actual, readFileSync(expectedPath, 'utf8'));
  });
}

test('every span covers the instruction text it reports', () => {
  for (const name of inputs) {
    const text = readFileSync(join(dir, name), 'utf8');
    for (const item of parseAsm(text).items) {
      if (item.kind !== 'insn') continue;
      const { span, text: insnText } = item.insn;
      const covered = text.slice(span.start, span.end);
      // GAS `.intel_syntax prefix` strips `%`; everything else is verbatim.
      assert.equal(covered, insnText, `${name} line ${item.line + 1}`);
    }
  }
});
