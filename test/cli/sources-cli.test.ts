/**
 * `check` with C sources as inputs, on the kernel-style project of test/fixtures/kernel-project:
 * text and SARIF point at the C lines (SARIF's `physicalLocation` is irq.c, so code scanning shows
 * the finding on the pull request), the build's object is never written, several sources compile
 * with --jobs, and a source without a compile command is an input error that says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, root, runCli, tempDir } from './run-cli';

/** A copy of the project with a compile_commands.json (as Bear writes it) for irq.c and a second source. */
function project(): string {
  const dir = tempDir();
  cpSync(join(root, 'test', 'fixtures', 'kernel-project'), dir, { recursive: true });
  writeFileSync(join(dir, 'timer.c'), '#include "irq.h"\nint timer_tick(int ticks)\n{\n\tint next = ticks + 1;\n\treturn next;\n}\n');
  const flags = ['-O0', '-ffreestanding', '-fno-pic', '-mcmodel=kernel', '-D__KERNEL__', '-fno-stack-protector'];
  const entry = (file: string) => ({ directory: dir, file: join(dir, file), output: join(dir, file.replace('.c', '.o')), arguments: ['/usr/bin/gcc', ...flags, '-c', '-o', file.replace('.c', '.o'), file] });
  writeFileSync(join(dir, 'compile_commands.json'), JSON.stringify([entry('irq.c'), entry('timer.c')], null, 2));
  return dir;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;

test('check --compile-commands reports on the C lines in text and SARIF, and writes no object', () => {
  const dir = project();
  const source = readFileSync(join(dir, 'irq.c'), 'utf8');
  const text = runCli(['check', '--compile-commands', 'compile_commands.json', 'irq.c'], dir);
  assert.equal(text.status, 1, text.stderr);
  assert.match(text.stdout, new RegExp(`^irq\\.c:${lineOf(source, 'int value = 42;')}:2: warning: In \`irq_save_flags\`, \`value\` \\(4 bytes at RSP-4\\) is stored below the stack pointer`, 'm'));
  assert.match(text.stdout, new RegExp(`^irq\\.c:${lineOf(source, '__asm__ volatile')}:2: error: .*\`pushfq\` here overwrites \`value\``, 'm'));
  const sarif = parseJson(runCli(['check', '--format', 'sarif', '--compile-commands', 'compile_commands.json', 'irq.c'], dir));
  const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
  assert.ok(results.length > 0);
  for (const result of results) assert.equal(result.locations[0]!.physicalLocation.artifactLocation.uri, 'irq.c');
  assert.ok(results.some((result) => result.ruleId === 'red-zone-clobbered' && result.locations[0]!.physicalLocation.region.startLine === lineOf(source, '__asm__ volatile')));
  assert.equal(existsSync(join(dir, 'irq.o')), false, 'the build object is never written');
});

test('check compiles several sources with --jobs, and a source without a compile command is an input error', () => {
  const dir = project();
  const both = parseJson(runCli(['check', '--format', 'json', '--jobs', '2', '--compile-commands', 'compile_commands.json', 'irq.c', 'timer.c'], dir));
  assert.deepEqual(both.files.map((file: { path: string; input: string; kernel: boolean }) => [file.path, file.input, file.kernel]), [['irq.c', 'c', true], ['timer.c', 'c', true]]);
  assert.ok(both.findings.some((finding: { path: string; line: number }) => finding.path === 'timer.c' && finding.line === 4));
  writeFileSync(join(dir, 'stray.c'), 'int stray;\n');
  const stray = runCli(['check', '--compile-commands', 'compile_commands.json', 'stray.c'], dir);
  assert.equal(stray.status, 2);
  assert.match(stray.stderr, /stray\.c: cannot compile: .*compile_commands\.json has no entry that compiles .*stray\.c/);
});
