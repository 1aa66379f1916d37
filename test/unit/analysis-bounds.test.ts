/**
 * Every analysis is bounded by a small multiple of its input (issue 11, item 21): functions of
 * thousands of pushes, thousands of blocks that each move RSP inside loops, a stack-growing loop in
 * a large `-O0 -g` function. The work is counted in the units of `analysis/budget.ts` (instructions
 * stepped, cells and ranges walked or copied), not timed: a count is the same on every machine.
 *
 * Before the bound, `push` walked every stack cell (a function of 20,000 pushes ran past 60 s) and
 * nothing stopped a function whose state kept growing; now each shape below costs units linear in
 * its size, and a function past its bound is one `stack-unknown` that says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/index';
import { boundFor, meterStats, minimumUnits, unitsPerInstruction } from '../../server/src/core/analysis/budget';

const header = '# redzone: kernel\n\t.text\n\t.globl f\n\t.type f, @function\nf:\n';

/** Generators of the shapes the mutation campaign found, `n` repetitions each. */
const shapes: Record<string, (n: number) => string> = {
  // Tens of thousands of pushes, then a store below RSP that must still be found.
  pushes: (n) => `${header}${'\tpushq %rbx\n'.repeat(n)}\tmovq %rdi, -8(%rsp)\n\tret\n`,
  // Blocks that each move RSP inside their own loop, chained by jumps.
  loops: (n) => {
    let s = header;
    for (let i = 0; i < n; i++) s += `.L${i}:\n\tpushq %rax\n\tmovq %rax, -8(%rsp)\n\tsubq $8, %rsp\n\tcmpq $0, %rdi\n\tjne .L${i}\n\tjmp .L${(i * 7 + 3) % n}\n`;
    return `${s}\tret\n`;
  },
  // A gcc -O0 -g style function (a frame, .loc lines, locals through %rbp, a loop per statement)
  // with a stack-growing loop inserted in the middle, as the campaign's zlib input had.
  grow: (n) => {
    let s = `${header}\t.file 1 "inflate.c"\n\tpushq %rbp\n\tmovq %rsp, %rbp\n\tsubq $4096, %rsp\n`;
    for (let i = 0; i < n; i++) {
      s += `.L${i}:\n\t.loc 1 ${i + 10} 5\n\tmovl -${(i % 500) * 4 + 4}(%rbp), %eax\n\taddl $1, %eax\n\tmovl %eax, -${(i % 500) * 4 + 4}(%rbp)\n\tcmpl $7, %eax\n\tjle .L${(i + 1) % n}\n`;
      if (i === n >> 1) s += '.Lgrow:\n\tpushq %rax\n\tmovq %rax, -16(%rsp)\n\tdecq %rcx\n\tjne .Lgrow\n';
    }
    return `${s}\tleave\n\tret\n`;
  },
  // Stores below RSP at many offsets between pushes and pops.
  stores: (n) => {
    let s = header;
    for (let i = 0; i < n; i++) s += `\tmovq %rax, -${8 + (i % 120) * 8}(%rsp)\n\tpushq %rbx\n\tpopq %rbx\n`;
    return `${s}\tret\n`;
  },
};

/** Analyzes `text`; returns the report and the units the analysis spent. */
function measure(text: string): { report: ReturnType<typeof analyzeText>; units: number; instructions: number; functions: number } {
  const before = { ...meterStats };
  const report = analyzeText(text);
  return { report, units: meterStats.units - before.units, instructions: meterStats.instructions - before.instructions, functions: meterStats.functions - before.functions };
}

/** The most a run of `functions` analyses over `instructions` instructions may spend: each bound, and one last charge each. */
const allowed = (functions: number, instructions: number): number => functions * (minimumUnits + (1 << 16)) + unitsPerInstruction * instructions;

const boundMessage = /not checked: its analysis reached the bound/;

for (const [name, generate] of Object.entries(shapes)) {
  test(`${name}: work grows linearly with the input, and the function is analyzed, not bounded`, () => {
    const small = measure(generate(500));
    const large = measure(generate(4000));
    assert.deepEqual(large.report.problems, []);
    assert.ok(!large.report.findings.some((f) => boundMessage.test(f.message)), 'no bound reached');
    // Eight times the input costs about eight times the work: the units per instruction stay
    // within a constant (a block is revisited at most once per register or cell its state loses;
    // a store walks the red-zone ranges, at most one per distinct offset).
    const perSmall = small.units / small.instructions;
    const perLarge = large.units / large.instructions;
    assert.ok(perLarge <= 2 * perSmall + 8, `${name}: ${perSmall.toFixed(1)} units per instruction for 500, ${perLarge.toFixed(1)} for 4000`);
    assert.ok(perLarge < 192, `${name}: ${perLarge.toFixed(1)} units per instruction`);
  });
}

test('pushes: the store below RSP after 20,000 pushes is found', () => {
  const { report } = measure(shapes.pushes!(20_000));
  assert.deepEqual(
    report.findings.map((f) => [f.code, f.line]),
    [['red-zone-store', 20_005]],
  );
});

test('grow: the stack-growing loop makes RSP unknown where the paths meet, and the rest is checked', () => {
  const text = shapes.grow!(700);
  assert.ok(text.length > 60_000 && text.length < 120_000, `${text.length} bytes, the size of the campaign's zlib function`);
  const { report } = measure(text);
  const codes = report.findings.map((f) => f.code);
  assert.ok(codes.includes('stack-unknown'), 'the loop that grows the stack is reported');
  assert.ok(!report.findings.some((f) => boundMessage.test(f.message)), 'within the bound');
});

test('a function whose state keeps growing past its bound is one stack-unknown that says so', () => {
  // Every call walks the saved-register cells of all earlier pushes: quadratic without the bound.
  const text = `${header}${'\tpushq %rbx\n\tcall g\n'.repeat(5000)}\tmovq %rdi, -8(%rsp)\n\tret\n`;
  const { report, units, instructions, functions } = measure(text);
  assert.deepEqual(report.findings.map((f) => [f.code, f.line]), [['stack-unknown', 5]]);
  assert.match(report.findings[0]!.message, boundMessage);
  assert.ok(units >= boundFor(10_002), 'the bound was reached');
  assert.ok(units <= allowed(functions, instructions), `${units} units for ${functions} analyses of ${instructions} instructions`);
});

test('property: random push/pop/sub/loop/store/call sequences finish within the bound, linear in their length', () => {
  const piece = fc.constantFrom(
    '\tpushq %rbx\n', '\tpushq %rax\n', '\tpopq %rbx\n', '\tsubq $8, %rsp\n', '\taddq $16, %rsp\n', '\tmovq %rax, -24(%rsp)\n',
    '\tmovq -8(%rsp), %rax\n', '\tcall g\n', '\tleave\n', '\tmovq %rsp, %rbp\n', '\tandq $-32, %rsp\n', '\tsubq %rax, %rsp\n',
  );
  const block = fc.tuple(fc.array(piece, { maxLength: 12 }), fc.nat(40), fc.boolean());
  fc.assert(
    fc.property(fc.array(block, { minLength: 1, maxLength: 120 }), (blocks) => {
      let text = header;
      blocks.forEach(([body, target, conditional], i) => {
        text += `.L${i}:\n${body.join('')}\t${conditional ? 'jne' : 'jmp'} .L${target % blocks.length}\n`;
      });
      text += '\tret\n';
      const { report, units, instructions, functions } = measure(text);
      assert.deepEqual(report.problems, []);
      assert.ok(units <= allowed(functions, instructions));
    }),
    { numRuns: 60, seed: 11021 },
  );
});
