/**
 * `redzone-lint check`: exit codes, inputs (files, directories, missing, empty, binary, huge,
 * objects) and the JSON and SARIF contracts, through the built CLI.
 */
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hasStackTrace, parseJson, root, runCli, tempDir, treeCopy } from './run-cli';

const fileKeys = ['path', 'input', 'kernel', 'functions', 'problems'];

describe('check: exit codes', () => {
  test('a clean file exits 0 with a summary line', () => {
    const result = runCli(['check', 'user-clean.s']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /No red-zone use found in 1 file/);
    assert.equal(result.stderr, '');
  });

  test('an empty file is valid input with no functions', () => {
    const result = runCli(['check', '--format', 'json', 'empty.s']);
    assert.equal(result.status, 0, result.stderr);
    const doc = parseJson(result);
    assert.equal(doc.files[0].functions, 0);
    assert.equal(doc.files[0].error, undefined);
  });

  test('a missing file among good files exits 2, reports the others and sets files[].error', () => {
    const result = runCli(['check', '--format', 'json', 'user-clean.s', 'missing.s', 'empty.s']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /missing\.s: no such file or directory/);
    const doc = parseJson(result);
    assert.deepEqual(
      doc.files.map((file: { path: string }) => file.path),
      ['user-clean.s', 'missing.s', 'empty.s'],
    );
    assert.equal(doc.files[1].error, 'no such file or directory');
    assert.equal(doc.files[0].error, undefined);
    assert.ok(!('error' in doc.files[2]));
  });

  test('text output still summarizes the good inputs when one is missing', () => {
    const result = runCli(['check', 'user-clean.s', 'missing.s']);
    assert.equal(result.status, 2);
    assert.match(result.stdout, /in 1 file .*1 input could not be analyzed/);
  });
});

describe('check: inputs', () => {
  test('directories are walked for assembly, skipping node_modules, dot-directories and other files', () => {
    const dir = treeCopy();
    const result = runCli(['check', '--format', 'json', 'tree'], dir);
    assert.equal(result.status, 0, result.stderr);
    const paths = parseJson(result).files.map((file: { path: string }) => file.path.split('\\').join('/'));
    assert.deepEqual(paths, ['tree/a.s', 'tree/sub/b.asm', 'tree/sub/c.S']);
  });

  test('a file named twice (directly and through its directory) is analyzed once', () => {
    const result = runCli(['check', '--format', 'json', 'tree/a.s', 'tree']);
    assert.equal(parseJson(result).files.length, 3);
  });

  test('a directory without assembly files is an input error', () => {
    const result = runCli(['check', '--format', 'json', 'no-asm', 'user-clean.s']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /no-asm: directory has no assembly/);
    const doc = parseJson(result);
    assert.equal(doc.files[0].path, 'no-asm');
    assert.equal(doc.files[0].input, 'directory');
    assert.equal(doc.files[1].path, 'user-clean.s');
  });

  test('an empty directory is an input error', () => {
    const dir = tempDir();
    const result = runCli(['check', '.'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /directory has no assembly/);
  });

  test('binary garbage is refused with a clear message', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'garbage.s'), Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x42]));
    const result = runCli(['check', '--format', 'json', 'garbage.s'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /garbage\.s: binary file/);
    assert.equal(parseJson(result).files[0].input, 'binary');
    assert.ok(!hasStackTrace(result.stderr));
  });

  test('NUL bytes inside comments (clang -g `.byte 0 # ^@`) are text, as GNU as reads them: the file is analyzed', () => {
    const fixture = join(root, 'test', 'fixtures', 'asm', 'nul-in-comments.s');
    const result = runCli(['check', '--format', 'json', fixture]);
    assert.equal(result.status, 1, result.stderr);
    const doc = parseJson(result);
    assert.equal(doc.files[0].input, 'att');
    assert.equal(doc.files[0].error, undefined);
    assert.deepEqual(doc.findings.map((f: { code: string }) => f.code), ['red-zone-store', 'red-zone-load']);
  });

  test('ELF objects and ar archives are recognized by magic, whatever their names; broken ones are input errors', () => {
    const dir = tempDir();
    // Magic bytes followed by garbage: recognized as objects, then refused by the object reader
    // (or, before the object path existed, by the "not supported yet" stub).
    writeFileSync(join(dir, 'thing.o'), Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60)]));
    writeFileSync(join(dir, 'lib.a'), Buffer.concat([Buffer.from('!<arch>\n'), Buffer.from('garbage member header')]));
    writeFileSync(join(dir, 'named-like-text.s'), Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(8)]));
    const result = runCli(['check', '--format', 'json', 'thing.o', 'lib.a', 'named-like-text.s'], dir);
    assert.equal(result.status, 2);
    assert.ok(!hasStackTrace(result.stderr));
    const doc = parseJson(result);
    assert.deepEqual(
      doc.files.map((file: { path: string }) => file.path),
      ['thing.o', 'lib.a', 'named-like-text.s'],
    );
    assert.deepEqual(
      doc.files.map((file: { input: string }) => file.input.replace(/^elf(32|64)$/, 'elf')),
      ['elf', 'ar', 'elf'],
      'files[].input must say what the magic bytes said, on the worker path (--jobs > 1) as on the main thread',
    );
    for (const file of doc.files) {
      assert.equal(typeof file.error, 'string');
      assert.ok(result.stderr.includes(`${file.path}: `), file.path);
    }
  });

  test('a file over the size limit is refused without being read', () => {
    const dir = tempDir();
    const path = join(dir, 'huge.s');
    writeFileSync(path, '');
    truncateSync(path, 65 * 1024 * 1024); // sparse: costs no disk
    const result = runCli(['check', 'huge.s'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /huge\.s: file is too large \(65\.0 MiB; the limit is 64 MiB; see --max-file-size\)/);
    // The limit is a flag: raised, the same file is read (and is empty text).
    const raised = runCli(['check', '--max-file-size', '66', 'huge.s'], dir);
    assert.doesNotMatch(raised.stderr, /too large/);
  });

  test('a broken compile_commands.json named on the command line is an input error, not a crash', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'compile_commands.json'), '[{"file": "a.c",');
    writeFileSync(join(dir, 'a.s'), '\tret\n');
    const result = runCli(['check', '--compile-commands', 'compile_commands.json', 'a.s'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /compile_commands\.json is not valid JSON/);
    assert.ok(!hasStackTrace(result.stderr));
  });

  test('a broken compile_commands.json found beside the input is only a warning', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'compile_commands.json'), '{not json');
    writeFileSync(join(dir, 'a.s'), '\tret\n');
    const result = runCli(['check', 'a.s'], dir);
    assert.equal(result.status, 0);
    assert.match(result.stderr, /warning: .*compile_commands\.json is not valid JSON/);
  });
});

describe('check: JSON contract', () => {
  test('the document has exactly the contract keys', () => {
    const result = runCli(['check', '--format', 'json', 'user-clean.s', 'missing.s']);
    const doc = parseJson(result);
    assert.deepEqual(Object.keys(doc), ['version', 'findings', 'files', 'stats']);
    assert.equal(doc.version, 1);
    assert.ok(Array.isArray(doc.findings));
    assert.deepEqual(Object.keys(doc.files[0]), fileKeys);
    assert.deepEqual(Object.keys(doc.files[1]), [...fileKeys, 'error']);
    assert.equal(typeof doc.files[0].kernel, 'boolean');
    assert.equal(typeof doc.files[0].input, 'string');
    assert.equal(typeof doc.stats, 'object');
    assert.equal(doc.stats.files, 2);
    assert.equal(typeof doc.stats.elapsedMs, 'number');
    assert.deepEqual(Object.keys(doc.stats.byCode), ['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered', 'stack-unknown']);
  });

  test('--kernel, --user, --abi and --syntax change nothing about the shape', () => {
    for (const args of [['--kernel'], ['--user'], ['--abi', 'ms'], ['--syntax', 'intel'], ['--no-detect-kernel', '--jobs', '4']]) {
      const result = runCli(['check', '--format', 'json', ...args, 'user-clean.s']);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.deepEqual(Object.keys(parseJson(result)), ['version', 'findings', 'files', 'stats']);
    }
  });

  test('--kernel forces kernel code', () => {
    const doc = parseJson(runCli(['check', '--format', 'json', '--kernel', 'user-clean.s']));
    assert.equal(doc.files[0].kernel, true);
  });
});

describe('check: SARIF', () => {
  test('the log has the SARIF 2.1.0 required properties and one rule per finding code', () => {
    const result = runCli(['check', '--format', 'sarif', 'user-clean.s', 'missing.s']);
    assert.equal(result.status, 2);
    const log = parseJson(result);
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const driver = log.runs[0].tool.driver;
    assert.equal(driver.name, 'redzone-lint');
    assert.match(driver.informationUri, /^https:\/\//);
    assert.deepEqual(
      driver.rules.map((rule: { id: string }) => rule.id),
      ['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered', 'stack-unknown'],
    );
    for (const rule of driver.rules) {
      assert.equal(typeof rule.shortDescription.text, 'string');
      assert.equal(typeof rule.fullDescription.text, 'string');
      assert.equal(typeof rule.help.text, 'string');
      assert.equal(typeof rule.help.markdown, 'string');
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
    }
    assert.deepEqual(log.runs[0].results, []);
    const invocation = log.runs[0].invocations[0];
    assert.equal(invocation.executionSuccessful, false);
    assert.match(invocation.toolExecutionNotifications[0].message.text, /missing\.s/);
  });
});
