/**
 * The expansion checked by its effect: the macro fixtures are assembled twice, as written (GNU as
 * through gcc for `.S`, NASM for `.asm`) and as the front end expanded them, and the two objects
 * must disassemble to the same instructions, in the same order and spelling. The tools are
 * Debian's binutils, gcc and nasm (`.ci/run` installs them); a missing one fails at once with the
 * command that installs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSource, type SourceOptions } from '../../server/src/core/index';
import { readIfFile } from './fixture-expectations';

const fixtures = join(process.cwd(), 'test', 'fixtures', 'asm');
const includes = join(process.cwd(), 'test', 'fixtures', 'asm-include');

function need(tool: string, args: string[], debianPackage: string): void {
  if (spawnSync(tool, args, { stdio: 'ignore' }).status !== 0) assert.fail(`${tool} is not installed: apt-get install -y ${debianPackage}`);
}


/** `objdump -dr` without the header naming the file, and NASM's `..@N.` local-label numbers made neutral. */
function disassemble(object: string): string {
  const text = execFileSync('objdump', ['-dr', '--no-show-raw-insn', object], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return text.split('\n').slice(3).join('\n').replace(/\.\.@\d+\./g, '..@N.');
}

/** Assembles the written file and its expansion and returns both disassemblies. */
function bothWays(name: string, dir: string): { written: string; expanded: string; instructions: number } {
  const path = join(fixtures, name);
  const text = readFileSync(path, 'utf8');
  const nasm = name.endsWith('.asm');
  const source: SourceOptions = { c: name.endsWith('.S'), fileName: path, includePaths: [includes], defines: ['USE_SLOW=1'], readFile: readIfFile };
  const expanded = expandSource(text, nasm ? 'nasm' : 'att', source);
  assert.deepEqual(expanded.problems, [], `${name} expands without problems`);
  const ours = join(dir, nasm ? 'ours.asm' : 'ours.s');
  writeFileSync(ours, `${expanded.text}\n`);
  const assemble = (input: string, output: string, written: boolean): void => {
    if (nasm) execFileSync('nasm', ['-f', 'elf64', input, '-o', output], { stdio: 'pipe' });
    else if (written && name.endsWith('.S')) execFileSync('gcc', ['-c', '-I', includes, '-DUSE_SLOW=1', input, '-o', output], { stdio: 'pipe' });
    else execFileSync('as', ['--64', input, '-o', output], { stdio: 'pipe' });
  };
  assemble(path, join(dir, 'written.o'), true);
  assemble(ours, join(dir, 'ours.o'), false);
  const written = disassemble(join(dir, 'written.o'));
  return { written, expanded: disassemble(join(dir, 'ours.o')), instructions: written.split('\n').filter((line) => /^\s+[0-9a-f]+:\t/.test(line)).length };
}

for (const name of ['gas-macros.s', 'gas-sections.s', 'gas-altmacro.s', 'gas-arguments.s', 'cpp-builtin.S', 'cpp-multiline-call.S', 'nasm-macros.asm']) {
  test(`${name}: the expansion assembles to the same instructions as the file`, (t) => {
    need('objdump', ['--version'], 'binutils');
    if (name.endsWith('.asm')) need('nasm', ['-v'], 'nasm');
    else need('gcc', ['--version'], 'gcc');
    const dir = mkdtempSync(join(tmpdir(), 'rz-effect-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { written, expanded, instructions } = bothWays(name, dir);
    assert.ok(instructions >= 5, `only ${instructions} instructions`);
    assert.equal(expanded, written);
    t.diagnostic(`${instructions} instructions equal`);
  });
}
