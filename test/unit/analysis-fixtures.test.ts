/**
 * Data-driven analysis tests: every file in test/fixtures/asm is analyzed, and its findings must be
 * exactly the ones written inline under the offending lines:
 *
 *     movl %edi, -20(%rbp)
 * # ^ red-zone-store offset=-20 size=4
 *
 * A first-lines comment `# options: --abi ms --user` sets analysis options (`fixture-expectations.ts`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/core/index';
import { readExpectations, readOptions } from './fixture-expectations';

const dir = join(process.cwd(), 'test', 'fixtures', 'asm');
for (const name of readdirSync(dir).sort()) {
  test(`fixture ${name}`, () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const report = analyzeText(text, readOptions(text));
    const expected = readExpectations(text);
    const actual = report.findings.map((f) => `${f.line + 1}: ${f.code}`);
    assert.deepEqual(actual.sort(), expected.map((e) => `${e.line + 1}: ${e.code}`).sort(), `findings of ${name}:\n${report.findings.map((f) => `${f.line + 1}: ${f.code} ${f.message}`).join('\n')}`);
    for (const e of expected) {
      const finding = report.findings.find((f) => f.line === e.line && f.code === e.code)!;
      if (e.attrs.offset !== undefined) assert.equal(finding.offset, Number(e.attrs.offset), `offset on line ${e.line + 1} of ${name}`);
      if (e.attrs.size !== undefined) assert.equal(finding.size, Number(e.attrs.size), `size on line ${e.line + 1} of ${name}`);
      if (e.attrs.function !== undefined) assert.equal(finding.function, e.attrs.function, `function on line ${e.line + 1} of ${name}`);
    }
    assert.ok(report.functions.length > 0, `${name} has at least one function`);
  });
}
