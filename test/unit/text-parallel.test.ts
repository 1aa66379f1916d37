/**
 * A large text analyzed on several threads gives exactly the report of one thread. The text is
 * real gcc output (3,000 functions compiled at test time, well over the parallel threshold), and it
 * holds evidence that only a later part can see: the one no-return function is defined last.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/core/index';
import { analyzeTextParallel, parallelThreshold, textWorkerScript } from '../../server/src/host/text-parallel';

test('parallel and single-threaded analysis agree on a large gcc -O0 file', async () => {
  assert.ok(textWorkerScript() !== undefined, 'dist/text-worker.js is built');
  const dir = mkdtempSync(join(tmpdir(), 'rz-par-'));
  const functions = Array.from({ length: 3000 }, (_, i) => `int f${i}(int a, int b) { int c[3] = {a, b, ${i}}; if (a > ${i}) stop(); return c[a % 3] + b; }`);
  writeFileSync(join(dir, 'big.c'), `void stop(void);\n${functions.join('\n')}\n__attribute__((noreturn)) void stop(void) { for (;;) ; }\n`);
  execFileSync('gcc', ['-O0', '-S', 'big.c', '-o', 'big.s'], { cwd: dir });
  const text = readFileSync(join(dir, 'big.s'), 'utf8');
  assert.ok(text.length > parallelThreshold, `the text (${text.length} bytes) is above the threshold`);
  for (const options of [{ forcedKernel: { kernel: true, reason: 'test' } }]) {
    const single = analyzeText(text, options);
    const parallel = await analyzeTextParallel(text, options, 3);
    assert.equal(parallel.functions.length, 3001);
    assert.deepEqual(parallel, single);
  }
});
