/**
 * Issue 11, item 4, with the real compiler: clang -O2 keeps a volatile local at -8(%rsp), inline
 * `pushfq; popq` overwrites it, and `x += 1` becomes `addq $1,-8(%rsp)`. The program really returns
 * a value derived from the flags instead of 43, and the analysis must say so on the add, the
 * read-modify-write that reads the destroyed slot, and on the load after it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeText } from '../../server/src/core/index';

const source = join(process.cwd(), 'test', 'fixtures', 'c', 'rmw-clobber.c');
const dir = mkdtempSync(join(tmpdir(), 'redzone-rmw-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('clang -O2: a read-modify-write of a slot pushfq destroyed is red-zone-clobbered, and the program shows it', () => {
  const exe = join(dir, 'rmw');
  execFileSync('clang', ['-O2', source, '-o', exe]);
  const run = spawnSync(exe);
  assert.notEqual(run.status, 43, 'the program does not return 42 + 1: pushfq destroyed x');
  const asm = join(dir, 'rmw.s');
  execFileSync('clang', ['-O2', '-S', source, '-o', asm]);
  const text = readFileSync(asm, 'utf8');
  const lines = text.split('\n');
  const report = analyzeText(text, {});
  const clobbered = report.findings.filter((f) => f.code === 'red-zone-clobbered').map((f) => lines[f.line]!.trim().split(/\s+#/)[0]!.replace(/\s+/g, ' '));
  assert.deepEqual(clobbered, ['addq $1, -8(%rsp)', 'movq -8(%rsp), %rax'], report.findings.map((f) => `${f.line + 1}: ${f.code} ${f.message}`).join('\n'));
});
