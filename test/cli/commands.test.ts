/**
 * The other commands and the usage errors: explain, layout, disasm, --help, --version.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findingTable } from '../../server/src/core/findings';
import { hasStackTrace, runCli, tempDir } from './run-cli';

describe('explain', () => {
  for (const info of findingTable) {
    test(`explain ${info.code} prints the table's documentation`, () => {
      const result = runCli(['explain', info.code]);
      assert.equal(result.status, 0, result.stderr);
      assert.ok(result.stdout.startsWith(`${info.code} (default severity: ${info.severity})`));
      assert.ok(result.stdout.includes(info.summary));
      assert.ok(result.stdout.includes(info.documentation));
    });
  }

  test('an unknown code exits 2 and lists the valid codes', () => {
    const result = runCli(['explain', 'red-zone-everything']);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    for (const info of findingTable) assert.ok(result.stderr.includes(info.code), info.code);
  });
});

describe('usage errors exit 2 with the synopsis on stderr', () => {
  const cases: readonly (readonly string[])[] = [
    [],
    ['frobnicate'],
    ['check'],
    ['check', '--bogus', 'user-clean.s'],
    ['check', '--format', 'xml', 'user-clean.s'],
    ['check', '--abi', 'win64', 'user-clean.s'],
    ['check', '--syntax', 'masm', 'user-clean.s'],
    ['check', '--jobs', '0', 'user-clean.s'],
    ['check', '--jobs', 'many', 'user-clean.s'],
    ['check', '--jobs=-3', 'user-clean.s'],
    ['check', '--kernel', '--user', 'user-clean.s'],
    ['check', '--format'],
    ['check', '--kernel=yes', 'user-clean.s'],
    ['explain'],
    ['explain', 'a', 'b'],
    ['explain', '--format', 'json', 'red-zone-store'],
    ['layout', 'user-clean.s'],
    ['layout', 'user-clean.s', 'zero'],
    ['layout', 'user-clean.s', '0'],
    ['layout', '--format', 'json', 'user-clean.s', '3'],
    ['disasm'],
  ];
  for (const args of cases) {
    test(`redzone-lint ${args.join(' ') || '(nothing)'}`, () => {
      const result = runCli(args);
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^redzone-lint: error: /);
      assert.match(result.stderr, /Usage:\n {2}redzone-lint check/);
      assert.ok(!hasStackTrace(result.stderr));
    });
  }
});

describe('help and version', () => {
  test('--help prints the usage with every option and exits 0', () => {
    const result = runCli(['--help']);
    assert.equal(result.status, 0);
    for (const option of ['--kernel', '--user', '--abi', '--format', '--jobs', '--syntax', '--kernel-glob', '--user-glob', '--compile-commands', '--no-detect-kernel']) {
      assert.ok(result.stdout.includes(option), option);
    }
  });

  test('check --help and help print the same usage', () => {
    assert.equal(runCli(['check', '--help']).stdout, runCli(['--help']).stdout);
    assert.equal(runCli(['help']).stdout, runCli(['--help']).stdout);
  });

  test('--version prints the package version', () => {
    const result = runCli(['--version']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+/);
  });
});

describe('layout', () => {
  test('a line past the end of the file is an input error', () => {
    const result = runCli(['layout', 'user-clean.s', '999']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /line 999 is past the end of the file/);
  });

  test('a line that is not an instruction in a function is an input error', () => {
    const result = runCli(['layout', 'user-clean.s', '1']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /user-clean\.s:1: not an instruction/);
  });

  test('a missing file is an input error', () => {
    const result = runCli(['layout', 'missing.s', '1']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /missing\.s: no such file or directory/);
  });
});

describe('disasm', () => {
  test('a broken ELF object is an input error with a message, not a crash', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.o'), Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60)]));
    const result = runCli(['disasm', 'a.o'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^redzone-lint: error: a\.o: /);
    assert.ok(!hasStackTrace(result.stderr));
  });

  test('a text file is not an object', () => {
    const result = runCli(['disasm', 'user-clean.s']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /not an object file/);
  });
});
