/**
 * The README: every finding code exactly as the findings table defines it, and its first two
 * commands, which must work on a fresh machine (issue 11 item 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error: a plain .mjs script without types, shared with scripts/test.mjs.
import { missingPackages } from '../../scripts/requirements.mjs';
import { findingTable } from '../../server/src/core/findings';

test('README has a Diagnostics section entry for every code, with its summary and severity', () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const info of findingTable) {
    const heading = `### \`${info.code}\``;
    assert.ok(readme.includes(heading), `README lacks ${heading}`);
    const section = readme.slice(readme.indexOf(heading), readme.indexOf('\n### ', readme.indexOf(heading) + 1));
    assert.ok(section.includes(`*Default severity: ${info.severity}.* ${info.summary}`), `README's ${info.code} summary differs from findings.ts`);
    assert.ok(section.includes(info.documentation), `README's ${info.code} documentation differs from findings.ts`);
  }
});

test('README starts with exactly two commands: set up and check a shipped example, then npm test', () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block !== null && readme.indexOf('```sh') < readme.indexOf('\n## '), 'the first section holds a sh block');
  const commands = block![1]!.trim().split('\n');
  assert.equal(commands.length, 2);
  const setup = /^npm ci && npm run build && npx redzone-lint check (\S+)$/.exec(commands[0]!);
  assert.ok(setup, commands[0]);
  assert.equal(commands[1], 'npm test');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
  assert.ok(existsSync('package-lock.json'), 'npm ci needs package-lock.json');
  assert.equal(pkg.scripts.build, 'node esbuild.mjs');
  assert.equal(pkg.scripts.test, 'node scripts/test.mjs');
  // The shipped example is in the repository, and the README's own check command finds its red-zone use.
  const example = setup[1]!;
  assert.ok(existsSync(example), example);
  assert.equal(pkg.bin['redzone-lint'], 'dist/cli.js');
  const run = spawnSync('npx', ['--no-install', 'redzone-lint', 'check', example], { encoding: 'utf8' });
  assert.equal(run.status, 1, `exit 1 means findings: ${run.stderr}`);
  assert.match(run.stdout, /\[red-zone-store\]/);
});

test('npm test on a machine without the compilers stops at once with the one command that installs them', () => {
  // A copy of the test script in a folder of its own, with a PATH that holds only node: it must
  // stop before it type-checks, builds or deletes anything, and name the apt-get command.
  const dir = mkdtempSync(join(tmpdir(), 'redzone-readme-'));
  try {
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'bin'));
    for (const file of ['test.mjs', 'requirements.mjs', 'find-files.mjs']) copyFileSync(join('scripts', file), join(dir, 'scripts', file));
    symlinkSync(process.execPath, join(dir, 'bin', 'node'));
    mkdirSync(join(dir, 'out'));
    const run = spawnSync(join(dir, 'bin', 'node'), ['scripts/test.mjs'], { cwd: dir, encoding: 'utf8', env: { PATH: join(dir, 'bin') } });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /apt-get install -y gcc clang binutils make/);
    assert.ok(existsSync(join(dir, 'out')), 'nothing was deleted or built');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('as root with apt-get, the suite installs what is missing, saying so, and updates the package lists when the install fails', { skip: process.getuid?.() !== 0 && 'needs root (CI runs as root)' }, () => {
  // A PATH with only node and a stand-in apt-get: its first `install` fails as on a fresh machine
  // without package lists; after `update`, `install` creates the programs (the check only asks
  // whether they exist), and it records every call with the environment apt sees.
  const dir = mkdtempSync(join(tmpdir(), 'redzone-install-'));
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const programs = ['gcc', 'clang', 'as', 'ld', 'ar', 'nm', 'objdump', 'make', 'nasm'];
    writeFileSync(
      join(bin, 'apt-get'),
      [
        '#!/bin/sh',
        `echo "$DEBIAN_FRONTEND $*" >> "${dir}/apt.log"`,
        `if [ "$1" = update ]; then : > "${dir}/lists"; exit 0; fi`,
        `if [ ! -f "${dir}/lists" ]; then echo "E: Unable to locate package" >&2; exit 100; fi`,
        ...programs.map((name) => `: > "${bin}/${name}"`),
        'exit 0',
      ].join('\n'),
      { mode: 0o755 },
    );
    const requirements = resolve('scripts', 'requirements.mjs');
    const run = spawnSync(join(bin, 'node'), ['--input-type=module', '-e', `import { ensureRequirements } from ${JSON.stringify(requirements)}; ensureRequirements(); console.log('requirements met');`], { cwd: dir, encoding: 'utf8', env: { PATH: bin } });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /npm test: gcc, clang, as, ld, ar, nm, objdump, make, nasm missing; installing the Debian packages: apt-get install -y gcc clang binutils make nasm/);
    assert.match(run.stdout, /requirements met/);
    assert.deepEqual(readFileSync(join(dir, 'apt.log'), 'utf8').trim().split('\n'), [
      'noninteractive install -y -qq gcc clang binutils make nasm',
      'noninteractive update -qq',
      'noninteractive install -y -qq gcc clang binutils make nasm',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on this machine every requirement of the suite is there (npm test installed what was missing)', () => {
  assert.deepEqual(missingPackages(), []);
});
