/**
 * `check --compile-commands DB file.c ...` against analyzing the same compiler's `-S -g` output
 * by hand: the findings on C lines must be the same findings (code, function, offset, size, kind,
 * and the source line, except that a `red-zone-clobbered` finding moves to the line of the
 * instruction that overwrote the data).
 *
 * The code is real C nobody here wrote: lz4, xxhash and liblmdb's midl (from the pinned lmdb npm
 * package the oracle uses), built like a Linux-style freestanding project (`-ffreestanding
 * -mcmodel=kernel -D__KERNEL__`, no `-mno-red-zone`) at -O0 and -O2 by gcc and clang, through a
 * compile_commands.json with `command` strings. With REDZONE_HEAVY=1 (the CI's heavy stage) also
 * gcc -O0 and clang -O2, and the SQLite amalgamation's entry the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { parseJson, root, runCli, tempDir } from './run-cli';
// @ts-expect-error: a plain .mjs module without declarations.
import { BENCH_PACKAGE, ORACLE_PACKAGES, fetchPackage } from '../oracle/sources.mjs';

interface JsonFinding {
  path: string;
  line: number;
  code: string;
  function: string;
  offset: number | null;
  size: number | null;
  kind: string | null;
  source?: { path: string; line: number };
}

const kernelFlags = ['-ffreestanding', '-fno-pic', '-mcmodel=kernel', '-D__KERNEL__', '-fno-stack-protector', '-w'];

/**
 * A finding as a comparable string. `line` is left out for red-zone-clobbered (it moves to the
 * clobbering asm) and for an instruction the compiler gave no line (`.loc 0 0`; it goes to its
 * function's line), so those are compared by where they are in the code, not on which line.
 */
function key(spelled: string, line: number | undefined, finding: JsonFinding): string {
  // clang names its directory by its real path; the cache may be reached through a link.
  const path = spelled === '' ? '' : realpathSync(spelled);
  const where = finding.code === 'red-zone-clobbered' || line === undefined ? '' : `:${line}`;
  return `${finding.code === 'red-zone-clobbered' || line !== undefined ? path : ''}${where} ${finding.code} ${finding.function} ${finding.offset} ${finding.size} ${finding.kind}`;
}

/**
 * Checks units (paths relative to `cwd`) both ways with `cc` and `flags`, by hand with `debug`
 * (full `-g` where its output stays under the CLI's 64 MiB input limit); returns how many findings matched.
 */
function compare(cc: string, cwd: string, units: readonly { file: string; flags: readonly string[] }[], flags: readonly string[], debug = '-g'): number {
  const work = tempDir();
  try {
    const database = units.map((unit) => ({
      directory: cwd,
      file: unit.file,
      command: [cc, ...flags, ...unit.flags, '-c', '-o', join(work, `${basename(unit.file)}.o`), unit.file].join(' '),
    }));
    writeFileSync(join(work, 'compile_commands.json'), JSON.stringify(database));
    const ours = runCli(['check', '--format', 'json', '--jobs', '2', '--compile-commands', join(work, 'compile_commands.json'), ...units.map((unit) => unit.file)], cwd);
    assert.ok(ours.status === 0 || ours.status === 1, ours.stderr);
    const oursJson = parseJson(ours);
    assert.deepEqual(oursJson.files.filter((file: { error?: string }) => file.error !== undefined), []);
    // Our `line` is the C line; `source` is the instruction's own .loc, absent when it had none.
    const actual = (oursJson.findings as JsonFinding[])
      .map((finding) => {
        if (finding.source !== undefined && finding.code !== 'red-zone-clobbered') assert.equal(finding.line, finding.source.line, JSON.stringify(finding));
        return key(resolve(cwd, finding.path), finding.source === undefined ? undefined : finding.line, finding);
      })
      .sort();

    // By hand: the same compiler and flags, -S -g, then the assembly analyzed as kernel code.
    const hand = join(work, 'hand');
    mkdirSync(hand);
    const outputs = units.map((unit) => {
      const output = join(hand, `${basename(unit.file)}.s`);
      execFileSync(cc, [...flags, ...unit.flags, '-S', debug, '-o', output, unit.file], { cwd, stdio: 'ignore' });
      return output;
    });
    const byHand = parseJson(runCli(['check', '--kernel', '--format', 'json', ...outputs], cwd));
    const expected = (byHand.findings as JsonFinding[])
      .map((finding) => {
        if (finding.source === undefined) return key('', undefined, finding);
        const path = isAbsolute(finding.source.path) ? finding.source.path : resolve(cwd, finding.source.path);
        return key(path, finding.source.line, finding);
      })
      .sort();
    assert.deepEqual(actual, expected);
    return actual.length;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const lmdb = ORACLE_PACKAGES.find((pkg: { pkg: string }) => pkg.pkg === 'lmdb');
const freestandingUnits = lmdb.units.filter((unit: { name: string }) => ['lz4-lz4', 'lz4-xxhash', 'lmdb-midl'].includes(unit.name));

// Each compiler at one level in the main suite (gcc -O2, clang -O0), the other two in the heavy stage
// (.ci/run): the four together took 105 s of a main suite that must stay near 5 minutes.
const heavyPairs = new Set(['gcc -O0', 'clang -O2']);

for (const cc of ['gcc', 'clang']) {
  for (const level of ['-O0', '-O2']) {
    const heavy = heavyPairs.has(`${cc} ${level}`) && process.env.REDZONE_HEAVY !== '1';
    test(`check --compile-commands equals the ${cc} ${level} -S -g output analyzed by hand (lz4, xxhash, midl as freestanding kernel code)`, { skip: heavy && 'set REDZONE_HEAVY=1 (the CI heavy stage)' }, () => {
      const cwd = fetchPackage(join(root, '.cache', 'oracle'), lmdb);
      const matched = compare(cc, cwd, freestandingUnits, [level, ...kernelFlags]);
      // -O0 keeps locals below RSP in every leaf function; -O2 in a few.
      if (level === '-O0') assert.ok(matched > 50, `${matched} findings`);
    });
  }
}

test('check --compile-commands on the SQLite amalgamation equals its -S -g1 output analyzed by hand', { skip: process.env.REDZONE_HEAVY !== '1' && 'set REDZONE_HEAVY=1 (the CI heavy stage)' }, () => {
  const cwd = fetchPackage(join(root, '.cache', 'bench'), BENCH_PACKAGE);
  for (const cc of ['gcc', 'clang']) {
    // Full -g of the amalgamation at -O2 is over 64 MiB of assembly; -g1 has the same code and line tables.
    const matched = compare(cc, cwd, [{ file: BENCH_PACKAGE.units[0].file, flags: [] }], ['-O2', ...kernelFlags], '-g1');
    assert.ok(matched > 0, `${cc}: ${matched} findings`);
  }
});
