/**
 * Property tests of the preprocessing front end: random nests of GAS, C and NASM macros, with
 * recursive and mutually recursive definitions, loops with large counts and unterminated blocks.
 * Expansion always terminates within its bound, never throws, maps every line back into the
 * written text, and says so with a problem when a bound stopped it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/index';
import { EXPANSION_LIMITS } from '../../server/src/core/syntax/expansion';
import { expandSource } from '../../server/src/core/syntax/preprocess';

const names = ['m0', 'm1', 'm2', 'm3'];
const name = fc.constantFrom(...names);
const small = fc.integer({ min: -2, max: 6 });

/** One GAS body line: an instruction, an invocation (maybe of itself), a loop or a conditional. */
const gasLine: fc.Arbitrary<string> = fc.oneof(
  fc.constant('\tmovq %rax, -8(%rsp)'),
  fc.constant('\tpushq %\\r'),
  fc.constant('lbl\\@:'),
  name.map((n) => `\t${n} rbx, 2`),
  fc.tuple(small, fc.constant('\tnop')).map(([n, l]) => `\t.rept ${n}\n${l}\n\t.endr`),
  fc.constant('\t.irp x, a, b\n\t.byte \\x\n\t.endr'),
  fc.constant('\t.if \\n > 1\n\tnop\n\t.else\n\tint3\n\t.endif'),
  fc.constant('\t.ifc \\r, rbx\n\tpushq %rbx\n\t.endif'),
  fc.constant('\t.if undefined_sym\n\tnop\n\t.endif'),
  fc.constant('\t.exitm'),
  fc.constant('\t.endm'),
  fc.constant('\t.endif'),
  fc.constant('\t.rept 100000000'),
);

const gasProgram = fc
  .tuple(
    fc.array(fc.tuple(name, fc.array(gasLine, { maxLength: 5 })), { maxLength: 5 }),
    fc.array(fc.oneof(gasLine, name.map((n) => `\t${n} rcx, 3`)), { maxLength: 8 }),
  )
  .map(([definitions, uses]) =>
    ['# redzone: kernel', ...definitions.map(([n, body]) => `\t.macro ${n} r=rax, n=1\n${body.join('\n')}\n\t.endm`), 'f:', ...uses, '\tret'].join('\n'),
  );

const cppLine: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(name, name).map(([a, b]) => `#define ${a.toUpperCase()} ${b.toUpperCase()} ${b.toUpperCase()}`),
  fc.tuple(name, name).map(([a, b]) => `#define ${a.toUpperCase()}(x) ${b.toUpperCase()}(x x) x`),
  name.map((n) => `\t${n.toUpperCase()}(movq %rax, -8(%rsp))`),
  name.map((n) => `\t${n.toUpperCase()}`),
  fc.constantFrom('#if M0 > 1', '#ifdef M1', '#else', '#endif', '#elif defined(M2)', '#include "self.S"', '#include <missing.h>', '#undef M0', '\tnop'),
);

const nasmLine: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(name, name).map(([a, b]) => `%define ${a} ${b} ${b}`),
  fc.tuple(name, name).map(([a, b]) => `%macro ${a} 0-2 1\n    ${b} %1\n    mov [rsp - 8], rax\n%endmacro`),
  name.map((n) => `    ${n} 1, 2`),
  fc.tuple(small, name).map(([k, n]) => `%rep ${k}\n    ${n}\n%endrep`),
  fc.constantFrom('%if 1\n    nop\n%else\n    int3\n%endif', '%ifdef m0', '%endif', '%endmacro', '%rep 100000000', '%assign x x+1', '%%loc: nop', '    nop'),
);

/** What every expansion must satisfy, whatever the input. */
function checkExpansion(text: string, syntax: 'att' | 'nasm', c: boolean): void {
  const written = text.split('\n').length;
  const files = new Map([['self.S', text]]);
  const options = { c, fileName: 'self.S', readFile: (path: string) => files.get(path) };
  const expanded = expandSource(text, syntax, options);
  assert.ok(expanded.problems.every((p) => !p.message.startsWith('internal error')), JSON.stringify(expanded.problems.slice(0, 3)));
  const lines = expanded.text.split('\n').length;
  assert.ok(lines <= Math.max(EXPANSION_LIMITS.minLines, written * EXPANSION_LIMITS.linesPerInputLine) + 1, `${lines} lines`);
  for (const origin of expanded.origin) assert.ok(origin >= 0 && origin < written, `origin ${origin} of ${written}`);
  for (const p of expanded.problems) assert.ok(p.line >= 0 && p.line < written);
  const report = analyzeText(text, { source: options, ...(syntax === 'nasm' ? { syntax: 'nasm' as const } : {}) });
  assert.ok(report.problems.every((p) => !/internal error/.test(p.message)), JSON.stringify(report.problems.slice(0, 3)));
  for (const f of report.findings) {
    assert.ok(f.line >= 0 && f.line < written);
    assert.ok(f.span.start >= 0 && f.span.end <= text.length && f.span.start <= f.span.end);
  }
}

test('random GAS macro nests, recursive definitions and loops: bounded, no exception', () => {
  fc.assert(fc.property(gasProgram, (text) => checkExpansion(text, 'att', false)), { numRuns: 150 });
});

test('random C macros (self-referential, exponential, self-including): bounded, no exception', () => {
  fc.assert(fc.property(fc.array(cppLine, { maxLength: 12 }), (lines) => checkExpansion(['/* redzone: kernel */', 'f:', ...lines, '\tret'].join('\n'), 'att', true)), { numRuns: 60 });
});

test('random NASM macros (recursive, exponential, huge %rep): bounded, no exception', () => {
  fc.assert(fc.property(fc.array(nasmLine, { maxLength: 10 }), (lines) => checkExpansion(['; redzone: kernel', 'f:', ...lines, '    ret'].join('\n'), 'nasm', false)), { numRuns: 80 });
});

test('a recursive GAS macro stops at the nesting bound with a problem on the invoking line', () => {
  const text = ['\t.macro again', '\tpushq %rax', '\tagain', '\t.endm', 'f:', '\tagain', '\tret'].join('\n');
  const expanded = expandSource(text, 'att');
  assert.deepEqual(expanded.problems.map((p) => p.line), [5]);
  assert.match(expanded.problems[0]!.message, /macro `again` nested more than 100 deep \(recursive\?\)/);
  assert.equal(expanded.text.split('\n').filter((line) => line.includes('pushq')).length, EXPANSION_LIMITS.depth);
});

test('an exponential GAS macro nest stops at the line budget with one problem', () => {
  const levels = Array.from({ length: 24 }, (_, k) => `\t.macro l${k}\n\tl${k + 1}\n\tl${k + 1}\n\t.endm`);
  const text = [...levels, '\t.macro l24', '\tnop', '\t.endm', 'f:', '\tl0', '\tret'].join('\n');
  const expanded = expandSource(text, 'att');
  assert.equal(expanded.problems.length, 1, JSON.stringify(expanded.problems));
  assert.match(expanded.problems[0]!.message, /expansion stopped: more than \d+ lines produced/);
});

test('a recursive NASM single-line macro and a recursive %macro stop with a problem', () => {
  const text = ['%define A B', '%define B A', '%macro again 0', '    push rax', '    again', '%endmacro', 'f:', '    mov eax, A', '    again', '    ret'].join('\n');
  const expanded = expandSource(text, 'nasm');
  const messages = expanded.problems.map((p) => `${p.line}: ${p.message}`);
  assert.ok(messages.some((m) => /^7: single-line macro nested more than 100 deep/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^8: macro `again` nested more than 100 deep/.test(m)), messages.join('\n'));
});

// Found by the random C test (it exhausted a 1 GB heap): a file that includes itself twice doubles at
// each of the 100 include levels, and the lines it produced were bounded but not the work before them.
test('a file that includes itself twice stops at the work budget with a problem, in bounded memory', () => {
  const text = ['/* redzone: kernel */', 'f:', '#include "self.S"', '\tM0', '\tM0', '\tM3(movq %rax, -8(%rsp))', '#include "self.S"', '#define M0 M3 M3', '\tret'].join('\n');
  const files = new Map([['self.S', text]]);
  const expanded = expandSource(text, 'att', { c: true, fileName: 'self.S', readFile: (path: string) => files.get(path) });
  const stopped = expanded.problems.filter((p) => /^expansion stopped: more than \d+ characters of macro work/.test(p.message));
  assert.deepEqual(stopped.map((p) => p.line), [2], JSON.stringify(expanded.problems));
  assert.ok(expanded.text.length <= EXPANSION_LIMITS.minWork, `${expanded.text.length} characters`);
});

// A GAS macro whose argument doubles at each of 40 levels: `\\a \\a` is substituted before any line
// is emitted, so only the work budget (and the 64 KiB line cut) stops it.
test('an exponential GAS macro argument stops with a problem instead of building gigabytes', () => {
  const levels = Array.from({ length: 40 }, (_, k) => `\t.macro l${k} a\n\tl${k + 1} "\\a \\a"\n\t.endm`);
  const text = [...levels, '\t.macro l40 a', '\t.byte 0', '\t.endm', 'f:', '\tl0 x', '\tret'].join('\n');
  const expanded = expandSource(text, 'att');
  assert.ok(expanded.problems.some((p) => p.line === levels.length * 3 + 4 && /grew past 64 KiB|macro work|nested more than/.test(p.message)), JSON.stringify(expanded.problems));
  assert.ok(expanded.text.length <= EXPANSION_LIMITS.minWork, `${expanded.text.length} characters`);
});

// The same in NASM: each level passes its parameter four times to the next.
test('an exponential NASM macro argument stops with a problem instead of building gigabytes', () => {
  const levels = Array.from({ length: 30 }, (_, k) => `%macro l${k} 1\n    l${k + 1} %1%1%1%1\n%endmacro`);
  const text = [...levels, '%macro l30 1', '    db 0', '%endmacro', 'f:', '    l0 x', '    ret'].join('\n');
  const expanded = expandSource(text, 'nasm');
  assert.ok(expanded.problems.some((p) => p.line === levels.length * 3 + 4 && /grew past 64 KiB|macro work|nested more than/.test(p.message)), JSON.stringify(expanded.problems));
  assert.ok(expanded.text.length <= EXPANSION_LIMITS.minWork, `${expanded.text.length} characters`);
});
