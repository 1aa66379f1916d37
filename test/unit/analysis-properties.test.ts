/**
 * Property-based tests of the whole text pipeline: random and mutated assembly never makes the
 * parser or the analysis throw (the façade would turn a throw into an "internal error" problem,
 * which these properties reject) and always terminates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeText, frameLayoutAt } from '../../server/src/core/index';

const runs = Number(process.env.REDZONE_FUZZ_RUNS ?? 200);
const dir = join(process.cwd(), 'test', 'fixtures', 'asm');
const corpus = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));
const allLines = corpus.flatMap((text) => text.split('\n'));

function assertClean(text: string): void {
  const report = analyzeText(text);
  const internal = report.problems.filter((p) => p.message.startsWith('internal'));
  assert.deepEqual(internal, [], `internal error on input:\n${text.slice(0, 2000)}`);
  for (const finding of report.findings) {
    assert.ok(finding.span.start <= finding.span.end && finding.span.end <= text.length, 'finding spans lie in the text');
    assert.ok(finding.line >= 0);
  }
  const lines = text.split('\n').length;
  for (const line of [0, Math.floor(lines / 2), lines - 1]) frameLayoutAt(text, line);
}

test('random text never breaks the analysis', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => assertClean(text)), { numRuns: runs });
});

test('lines of real assembly shuffled, dropped and repeated never break the analysis', () => {
  const line = fc.constantFrom(...allLines);
  fc.assert(fc.property(fc.array(line, { maxLength: 120 }), (lines) => assertClean(lines.join('\n'))), { numRuns: runs });
});

test('character mutations of real fixtures never break the analysis', () => {
  const mutation = fc.record({ at: fc.nat(), text: fc.string({ maxLength: 8 }), drop: fc.nat({ max: 8 }) });
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.array(mutation, { maxLength: 20 }), (source, edits) => {
      let text = source;
      for (const edit of edits) {
        const at = edit.at % (text.length + 1);
        text = text.slice(0, at) + edit.text + text.slice(at + edit.drop);
      }
      assertClean(text);
    }),
    { numRuns: runs },
  );
});

test('stack-pointer arithmetic with extreme constants never breaks the analysis', () => {
  const imm = fc.oneof(fc.integer(), fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 63, 0x7fffffff, -0x80000000, 0));
  const insn = fc.oneof(
    imm.map((n) => `subq $${n}, %rsp`),
    imm.map((n) => `addq $${n}, %rsp`),
    imm.map((n) => `andq $${n}, %rsp`),
    imm.map((n) => `movq %rax, ${n}(%rsp)`),
    imm.map((n) => `leaq ${n}(%rsp), %rbp`),
    imm.map((n) => `movl $1, ${n}(%rbp,%rax,4)`),
    fc.constantFrom('pushq %rbp', 'popq %rbp', 'movq %rsp, %rbp', 'leave', 'pushfq', 'call f', 'ret', 'jmp .L1', 'jne .L1', '.L1:', 'xorl %eax, %eax', 'incq %rax', 'enter $16, $0', 'xchgq %rax, %rsp'),
  );
  fc.assert(fc.property(fc.array(insn, { maxLength: 60 }), (insns) => assertClean(`# redzone: kernel\nf:\n${insns.join('\n')}\n`)), { numRuns: runs });
});
