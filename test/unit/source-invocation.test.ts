/**
 * The pure parts of compiling sources: the command that writes assembly from a database entry
 * (data-driven: entry arguments in, arguments out), the database edit of the quick fix, the
 * variable names of gcc's -fverbose-asm, and Rust symbol names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invocationFor, type CompileCommand } from '../../server/src/host/compile-commands';
import { compileToAssembly, JobLimiter } from '../../server/src/host/compile-source';
import { findSourceEntry } from '../../server/src/host/source-check';
import { addFlagToCompileDatabase, applyEdits } from '../../server/src/core/fixes/index';
import { variableOf } from '../../server/src/host/source-findings';
import { rustFunctionName } from '../../server/src/host/rust-source';

const entry = (args: string[]): CompileCommand => ({ directory: '/src', file: '/src/irq.c', output: '/src/irq.o', arguments: args, emitsAssembly: false });

const cases: { name: string; args: string[]; stdin?: boolean; expected: string[] }[] = [
  { name: 'a make rule', args: ['gcc', '-O2', '-DX=1', '-c', '-o', 'irq.o', 'irq.c'], expected: ['-O2', '-DX=1', 'irq.c', '-S', '-g', '-o', '/tmp/out.s'] },
  { name: 'joined -o and dependency files', args: ['cc', '-oirq.o', '-MD', '-MF', 'irq.d', '-MT', 'irq.o', '-MP', '-MMD', '-c', 'irq.c'], expected: ['irq.c', '-S', '-g', '-o', '/tmp/out.s'] },
  { name: "Kbuild's dependency flags", args: ['gcc', '-Wp,-MMD,./.irq.o.d', '-nostdinc', '-c', '-o', 'irq.o', './irq.c'], expected: ['-nostdinc', './irq.c', '-S', '-g', '-o', '/tmp/out.s'] },
  { name: 'LTO would write bytecode, not code', args: ['clang', '-flto=thin', '-flto', '-O2', '-c', 'irq.c'], expected: ['-O2', 'irq.c', '-S', '-g', '-o', '/tmp/out.s'] },
  { name: 'standard input keeps quote includes', args: ['gcc', '-O0', '-c', 'irq.c', '-o', 'irq.o'], stdin: true, expected: ['-O0', '-iquote', '/src', '-x', 'c', '-', '-S', '-g', '-o', '/tmp/out.s'] },
  { name: 'a source spelled another way is added', args: ['gcc', '-c', '/elsewhere/irq.c'], expected: ['/elsewhere/irq.c', '/src/irq.c', '-S', '-g', '-o', '/tmp/out.s'] },
];

for (const item of cases) {
  test(`invocationFor: ${item.name}`, () => {
    const invocation = invocationFor(entry(item.args), { stop: '-S', output: '/tmp/out.s', extra: ['-g'], stdin: item.stdin });
    assert.equal(invocation.program, item.args[0]);
    assert.equal(invocation.cwd, '/src');
    assert.deepEqual(invocation.args, item.expected);
  });
}

test('the database edit appends -mno-red-zone to the selected entries once, in arguments and command forms', () => {
  const text = JSON.stringify([
    { directory: '/p', file: 'irq.c', arguments: ['gcc', '-c', 'irq.c'] },
    { directory: '/p', file: 'timer.c', command: 'gcc -c timer.c' },
    { directory: '/q', file: 'other.c', command: 'gcc -c other.c' },
  ]);
  const edit = addFlagToCompileDatabase(text, (fields) => fields.directory === '/p');
  assert.ok(edit);
  const fixed = JSON.parse(applyEdits(text, [edit]));
  assert.deepEqual(fixed[0].arguments, ['gcc', '-c', 'irq.c', '-mno-red-zone']);
  assert.equal(fixed[1].command, 'gcc -c timer.c -mno-red-zone');
  assert.equal(fixed[2].command, 'gcc -c other.c');
  assert.equal(addFlagToCompileDatabase(applyEdits(text, [edit]), (fields) => fields.directory === '/p'), undefined);
  assert.equal(addFlagToCompileDatabase('not json', () => true), undefined);
});

test("gcc's -fverbose-asm names the variable of a store's destination and a load's source", () => {
  assert.equal(variableOf('\tmovl\t$42, -4(%rbp)\t#, value', 'store'), 'value');
  assert.equal(variableOf('\tmovl\t-4(%rbp), %eax\t# value, _5', 'load'), 'value');
  assert.equal(variableOf('\tmovq\t%rax, -16(%rbp)\t# tmp, D.1234', 'store'), undefined);
  assert.equal(variableOf('\tmovl\t%edi, -20(%rbp)', 'store'), undefined);
  assert.equal(variableOf('\tmovq\t%rax, -8(%rsp)\t# tmp87, tmp87', 'store'), undefined);
});

test('Rust function names from symbols', () => {
  assert.equal(rustFunctionName('leaf_sum'), 'leaf_sum');
  assert.equal(rustFunctionName('_ZN4kern8leaf_sum17h0123456789abcdefE'), 'leaf_sum');
});

/** A database entry whose "compiler" is a shell script (`body`) in a fresh directory. */
function scriptEntry(body: string): { entry: CompileCommand; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-fake-cc-'));
  const compiler = join(dir, 'fake-cc');
  writeFileSync(compiler, `#!/bin/sh\n${body}\n`);
  chmodSync(compiler, 0o755);
  writeFileSync(join(dir, 'irq.c'), 'int x;\n');
  return { entry: { directory: dir, file: join(dir, 'irq.c'), output: undefined, arguments: [compiler, '-c', 'irq.c'], emitsAssembly: false }, dir };
}

test('a compile is cancelled by its signal and stopped at its time limit, and says so', async () => {
  const { entry, dir } = scriptEntry('exec sleep 30');
  try {
    const controller = new AbortController();
    const pending = compileToAssembly({ entry, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const cancelled = await pending;
    assert.equal(cancelled.ok, false);
    assert.equal(!cancelled.ok && cancelled.cancelled, true);
    const slow = await compileToAssembly({ entry, timeoutMs: 200 });
    assert.equal(!slow.ok && slow.cancelled, false);
    assert.match(!slow.ok ? slow.message : '', /took longer than .* and was stopped/);
    const missing = await compileToAssembly({ entry: { ...entry, arguments: [join(dir, 'no-such-cc'), 'irq.c'] } });
    assert.match(!missing.ok ? missing.message : '', /was not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the job limiter runs at most N tasks at once, in order', async () => {
  const limiter = new JobLimiter(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    [0, 1, 2, 3, 4].map((index) =>
      limiter.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(index);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
      }),
    ),
  );
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

test('compile_flags.txt gives a clang entry for every source under its folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-flags-'));
  try {
    mkdirSync(join(dir, 'drivers'));
    writeFileSync(join(dir, 'compile_flags.txt'), '-O2\n-mcmodel=kernel\n-D__KERNEL__\n\n');
    writeFileSync(join(dir, 'drivers', 'irq.c'), 'int x;\n');
    const found = findSourceEntry(join(dir, 'drivers', 'irq.c'), { root: dir });
    assert.ok(found.ok);
    assert.equal(found.from, join(dir, 'compile_flags.txt'));
    assert.deepEqual(found.entry.arguments, ['clang', '-O2', '-mcmodel=kernel', '-D__KERNEL__', join(dir, 'drivers', 'irq.c')]);
    assert.equal(found.entry.directory, dir);
    const none = findSourceEntry('/', { root: '/' });
    assert.equal(none.ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
