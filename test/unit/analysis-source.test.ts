/**
 * `.file`/`.loc` in `-g -S` output give each finding its C source line. The C is compiled at test
 * time by gcc and clang, and the expected line is found in the C text itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/core/index';

const source = ['int add3(int a, int b)', '{', '\tint c = a + b;', '\treturn c;', '}', ''].join('\n');
const statementLine = 3; // int c = a + b;

for (const compiler of ['gcc', 'clang']) {
  test(`${compiler} -O0 -g -S: findings carry the C line that made them`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'rz-loc-'));
    writeFileSync(join(dir, 'add.c'), source);
    execFileSync(compiler, ['-O0', '-g', '-S', 'add.c', '-o', 'add.s'], { cwd: dir });
    const text = readFileSync(join(dir, 'add.s'), 'utf8');
    const report = analyzeText(text, { forcedKernel: { kernel: true, reason: 'test' } });
    assert.ok(report.findings.length > 0, 'the -O0 leaf function uses the red zone');
    for (const finding of report.findings) {
      assert.ok(finding.source !== undefined, `finding on line ${finding.line + 1} has a source position`);
      assert.match(finding.source.path, /add\.c$/);
      assert.ok(finding.source.line >= 1 && finding.source.line <= 4);
    }
    // The store of `c` comes from the statement `int c = a + b;`.
    const storeOfC = report.findings.filter((f) => f.kind === 'store' && f.source?.line === statementLine);
    assert.ok(storeOfC.length >= 1, `a store is mapped to line ${statementLine}: ${JSON.stringify(report.findings.map((f) => [f.kind, f.source]))}`);
  });
}
