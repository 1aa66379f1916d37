/**
 * Incremental analysis: re-analyzing an edited text with the cache of its previous version gives
 * exactly the report that a fresh analysis of the edited text gives, and reuses the chunks that
 * did not change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeText, createAnalysisCache, frameLayoutAt } from '../../server/src/core/index';

const dir = join(process.cwd(), 'test', 'fixtures', 'asm');
const fixtures = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));

function compiled(): string {
  const work = mkdtempSync(join(tmpdir(), 'rz-inc-'));
  const source = Array.from({ length: 12 }, (_, i) => `int f${i}(int a, int b) { int c = a * ${i} + b; int d[4] = {a, b, c, ${i}}; return d[a & 3] + c; }`).join('\n');
  writeFileSync(join(work, 'many.c'), `${source}\n`);
  execFileSync('gcc', ['-O0', '-g', '-S', 'many.c', '-o', 'many.s'], { cwd: work });
  return readFileSync(join(work, 'many.s'), 'utf8');
}

const kernel = { forcedKernel: { kernel: true, reason: 'test' } } as const;

test('edits re-analyzed with the cache equal a fresh analysis', () => {
  const corpus = [...fixtures, compiled()];
  const edit = fc.record({ at: fc.nat(), drop: fc.nat({ max: 40 }), insert: fc.constantFrom('', '\n', '\tmovq %rax, -8(%rsp)\n', 'g:\n', '\tret\n', '\t.globl h\nh:\n', '# redzone: user\n', '\tsubq $16, %rsp\n', 'x') });
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.array(edit, { minLength: 1, maxLength: 4 }), (original, edits) => {
      const cache = createAnalysisCache();
      analyzeText(original, kernel, cache);
      let text = original;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.drop);
        assert.deepEqual(analyzeText(text, kernel, cache), analyzeText(text, kernel));
      }
      const line = Math.floor(text.split('\n').length / 2);
      assert.deepEqual(frameLayoutAt(text, line, kernel, cache), frameLayoutAt(text, line, kernel));
    }),
    { numRuns: Number(process.env.REDZONE_FUZZ_RUNS ?? 60) },
  );
});

test('a one-line edit re-parses only the function it touches', () => {
  const text = compiled();
  const cache = createAnalysisCache();
  analyzeText(text, kernel, cache);
  const before = new Set(cache.chunks.values());
  const at = text.indexOf('f7:');
  const edited = `${text.slice(0, at)}${text.slice(at).replace('\tret', '\tnop\n\tret')}`;
  analyzeText(edited, kernel, cache);
  const reused = [...cache.chunks.values()].filter((entry) => before.has(entry)).length;
  assert.equal(reused, cache.chunks.size - 1, 'every chunk but the edited one is reused');
});

test('the one-pass analysis (no cache) equals the cached analysis, also when later functions change the context', () => {
  // Kernel evidence after the first function, and a no-return function defined after its caller:
  // the one-pass analysis has checked the earlier functions under the old context and must check
  // them again.
  const late = [
    '\t.text\n\t.globl\tfirst\n\t.type\tfirst, @function\nfirst:\n\tmovq\t%rdi, -8(%rsp)\n\tmovq\t-8(%rsp), %rax\n\tcall\tdies\n\tmovq\t%rax, -16(%rsp)\n\tret\n\t.size\tfirst, .-first\n',
    '\t.globl\tdies\n\t.type\tdies, @function\ndies:\n\tcli\n1:\thlt\n\tjmp\t1b\n\t.size\tdies, .-dies\n',
  ].join('');
  const corpus = [...fixtures, compiled(), late];
  const edit = fc.record({ at: fc.nat(), drop: fc.nat({ max: 40 }), insert: fc.constantFrom('', '\n', '\tcli\n', '\tcall dies\n', '\tmovq %rax, -8(%rsp)\n', '\t.globl h\nh:\n', '# redzone: kernel\n', '\tjmp 1b\n') });
  const optionSets = [{}, { detectKernel: false }, { abi: 'ms' as const }, kernel];
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.array(edit, { maxLength: 3 }), fc.constantFrom(...optionSets), (original, edits, options) => {
      let text = original;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.drop);
      }
      assert.deepEqual(analyzeText(text, options), analyzeText(text, options, createAnalysisCache()));
    }),
    { numRuns: Number(process.env.REDZONE_FUZZ_RUNS ?? 100) },
  );
  // The shape the one-pass path exists for: the verdict comes from the second function, and the
  // first function's call to `dies` ends its path, so the store after it is never reached.
  const report = analyzeText(late, {});
  assert.equal(report.kernel.kernel, true);
  assert.deepEqual(report.findings.map((f) => [f.code, f.line]), analyzeText(late, {}, createAnalysisCache()).findings.map((f) => [f.code, f.line]));
  assert.ok(report.findings.every((f) => f.line !== 7), 'the store after the no-return call is unreachable');
  assert.ok(report.findings.some((f) => f.line === 4), 'the red-zone store before the call is reported under the kernel verdict');
  // With the verdict forced, only the late no-return function makes the first one be checked again.
  const forced = analyzeText(late, kernel);
  assert.deepEqual(forced.findings.map((f) => f.line), [4, 5], "the store and the load before the call, not the store after it");
});
