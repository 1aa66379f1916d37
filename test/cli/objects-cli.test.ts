/**
 * The object path through the built CLI: `check` on objects, archives and directories of them,
 * `--jobs` on worker threads, `disasm` (AT&T and `--intel`) whose lines the findings use, and
 * hostile inputs (truncated and bit-flipped ELF files) that must give per-file errors, never a
 * stack trace. Fixtures are compiled at test time from test/fixtures/objects/sample.c.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { hasStackTrace, parseJson, root, runCli, tempDir } from './run-cli';

const SAMPLE = join(root, 'test', 'fixtures', 'objects', 'sample.c');
let dir = '';

before(() => {
  dir = tempDir();
  const cc = (out: string, ...flags: string[]) => execFileSync('gcc', [...flags, '-w', '-c', SAMPLE, '-o', join(dir, out)]);
  cc('o0.o', '-O0', '-g');
  cc('o2.o', '-O2', '-g');
  cc('norz.o', '-O0', '-g', '-mno-red-zone');
  execFileSync('ar', ['rcs', join(dir, 'lib.a'), join(dir, 'o0.o'), join(dir, 'norz.o')]);
  mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
  copyFileSync(join(dir, 'o0.o'), join(dir, 'tree', 'a.o'));
  copyFileSync(join(dir, 'o2.o'), join(dir, 'tree', 'sub', 'b.ko'));
  copyFileSync(join(dir, 'lib.a'), join(dir, 'tree', 'sub', 'c.a'));
  writeFileSync(join(dir, 'tree', 'notes.txt'), 'not an input\n');
});

test('check on a .o: JSON input elf64, lines point into the listing disasm prints, source lines from DWARF', () => {
  const result = runCli(['check', '--kernel', '--format', 'json', 'o0.o'], dir);
  assert.equal(result.status, 1, result.stderr);
  const doc = parseJson(result);
  assert.deepEqual(doc.files.map((f: { path: string; input: string }) => [f.path, f.input]), [['o0.o', 'elf64']]);
  const listing = runCli(['disasm', 'o0.o'], dir);
  assert.equal(listing.status, 0, listing.stderr);
  const lines = listing.stdout.split('\n');
  assert.match(lines[1]!, /^o0\.o: {5}file format elf64-x86-64$/);
  const intel = runCli(['disasm', '--intel', 'o0.o'], dir).stdout.split('\n');
  assert.equal(intel.length, lines.length);
  assert.ok(doc.findings.length > 0);
  for (const finding of doc.findings) {
    const line = lines[finding.line - 1]!;
    // Findings point at the instruction text of an instruction line, in both spellings the same address.
    assert.match(line, /^\s*[0-9a-f]+:\t/, line);
    assert.equal(intel[finding.line - 1]!.split('\t')[0], line.split('\t')[0]);
    assert.ok(finding.column > line.lastIndexOf('\t'), `column ${finding.column} in ${line}`);
    assert.ok(finding.source === undefined || finding.source.path.endsWith('sample.c'));
  }
  assert.ok(doc.findings.some((f: { source?: { line: number } }) => f.source !== undefined && f.source.line > 0));
  assert.ok(lines.some((l) => l.includes('mov    %rdi,-0x') || l.includes('mov    %edi,-0x')), 'AT&T by default');
  assert.ok(intel.some((l) => l.includes('dword ptr [rbp - ')), 'Intel with --intel');
});

test('a kernel alternative: check flags the replacement on its line of .altinstr_replacement, which disasm prints', () => {
  execFileSync('gcc', ['-c', join(root, 'test', 'fixtures', 'objects', 'alternatives.S'), '-o', join(dir, 'alternatives.ko')]);
  const result = runCli(['check', '--format', 'json', 'alternatives.ko'], dir);
  assert.equal(result.status, 1, result.stderr);
  const doc = parseJson(result);
  const lines = runCli(['disasm', 'alternatives.ko'], dir).stdout.split('\n');
  const spill = doc.findings.find((f: { function: string }) => f.function === 'popcount_spill');
  assert.equal(spill.code, 'red-zone-store');
  assert.equal(lines[spill.line - 1], '   5:\t48 89 44 24 f8       \tmov    %rax,-0x8(%rsp)');
  assert.equal(lines.slice(0, spill.line).reverse().find((l: string) => l.startsWith('Disassembly of section ')), 'Disassembly of section .altinstr_replacement:');
  assert.match(spill.kernelReason, /\.modinfo/);
});

test('archives: one entry per member named archive.a(member.o); disasm of a member gives the lines its findings use', () => {
  const result = runCli(['check', '--kernel', '--format', 'json', 'lib.a'], dir);
  assert.equal(result.status, 1, result.stderr);
  const doc = parseJson(result);
  assert.deepEqual(doc.files.map((f: { path: string }) => f.path), ['lib.a(o0.o)', 'lib.a(norz.o)']);
  assert.ok(doc.findings.length > 0);
  assert.ok(doc.findings.every((f: { path: string; code: string }) => f.path === 'lib.a(o0.o)' || f.code === 'stack-unknown'));
  const member = runCli(['disasm', 'lib.a(o0.o)'], dir);
  assert.equal(member.status, 0, member.stderr);
  assert.equal(member.stdout, runCli(['disasm', 'o0.o'], dir).stdout);
  const whole = runCli(['disasm', 'lib.a'], dir);
  assert.match(whole.stdout, /^In archive lib\.a:\n\no0\.o: {5}file format elf64-x86-64\n/);
  assert.match(whole.stdout, /\nnorz\.o: {5}file format elf64-x86-64\n/);
  const missing = runCli(['disasm', 'lib.a(nope.o)'], dir);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no member nope\.o/);
});

test('an archive with no members (glibc ships libdl.a so) is listed with nothing in it, not an error', () => {
  writeFileSync(join(dir, 'empty.a'), '!<arch>\n');
  const result = runCli(['check', '--format', 'json', 'empty.a'], dir);
  assert.equal(result.status, 0, result.stderr);
  const doc = parseJson(result);
  assert.deepEqual(doc.files.map((f: { path: string; input: string; functions: number; error?: string }) => [f.path, f.input, f.functions, f.error]), [['empty.a', 'ar', 0, undefined]]);
  assert.equal(doc.stats.filesWithErrors, 0);
  const listing = runCli(['disasm', 'empty.a'], dir);
  assert.equal(listing.status, 0, listing.stderr);
  assert.match(listing.stdout, /^In archive empty\.a:\n/);
});

test('-mno-red-zone objects give no red-zone findings; without --kernel a user object only gets ABI findings', () => {
  const norz = parseJson(runCli(['check', '--kernel', '--format', 'json', 'norz.o'], dir));
  assert.deepEqual(norz.findings.filter((f: { code: string }) => f.code !== 'stack-unknown'), []);
  const user = runCli(['check', '--format', 'json', 'o0.o'], dir);
  assert.equal(user.status, 0, user.stderr);
  assert.equal(parseJson(user).files[0].kernel, false);
});

test('directories are walked for objects, and --jobs 2 gives the same document as --jobs 1', () => {
  const one = parseJson(runCli(['check', '--kernel', '--format', 'json', '--jobs', '1', 'tree'], dir));
  const two = parseJson(runCli(['check', '--kernel', '--format', 'json', '--jobs', '2', 'tree'], dir));
  assert.deepEqual(one.files.map((f: { path: string }) => f.path), [
    join('tree', 'a.o'),
    join('tree', 'sub', 'b.ko'),
    `${join('tree', 'sub', 'c.a')}(o0.o)`,
    `${join('tree', 'sub', 'c.a')}(norz.o)`,
  ]);
  assert.deepEqual(two.files, one.files);
  assert.deepEqual(two.findings, one.findings);
});

test('hostile objects: truncated and bit-flipped ELF files give per-file errors or results, exit 2 when any fails, never a stack trace', () => {
  const original = readFileSync(join(dir, 'o2.o'));
  const hostile = join(dir, 'hostile');
  mkdirSync(hostile, { recursive: true });
  const names: string[] = [];
  // Truncations inside the header and the section header table: always unreadable.
  for (const cut of [4, 20, 52, 63]) {
    writeFileSync(join(hostile, `cut${cut}.o`), original.subarray(0, cut));
    names.push(`cut${cut}.o`);
  }
  // Truncations and bit flips anywhere: readable or not, never a crash. A fixed generator keeps it deterministic.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 24; i++) {
    const bytes = Buffer.from(original.subarray(0, i < 8 ? Math.floor(random() * original.length) : original.length));
    const flips = i < 8 ? 0 : 1 + Math.floor(random() * 16);
    for (let f = 0; f < flips; f++) {
      // Half the flips hit the ELF and section headers, where counts and offsets live.
      const at = random() < 0.5 ? Math.floor(random() * 64) : Math.floor(random() * bytes.length);
      bytes[Math.max(4, at)] ^= 1 << Math.floor(random() * 8);
    }
    writeFileSync(join(hostile, `h${i}.o`), bytes);
    names.push(`h${i}.o`);
  }
  // Archives cut inside a member header, inside a member, and with a corrupted size field.
  const archive = readFileSync(join(dir, 'lib.a'));
  for (const [i, bytes] of [archive.subarray(0, 70), archive.subarray(0, Math.floor(archive.length / 2)), Buffer.concat([archive.subarray(0, 56), Buffer.from('99999999'), archive.subarray(64)])].entries()) {
    writeFileSync(join(hostile, `a${i}.a`), bytes);
    names.push(`a${i}.a`);
  }
  writeFileSync(join(hostile, 'ok.s'), '\tret\n');
  for (const jobs of ['1', '2']) {
    const result = runCli(['check', '--kernel', '--format', 'json', '--jobs', jobs, ...names, 'ok.s'], hostile);
    assert.equal(result.status, 2, result.stderr);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
    assert.doesNotMatch(result.stderr, /internal error/);
    const doc = parseJson(result);
    // An archive may give one entry per member it still holds, so at least one entry per input.
    assert.ok(doc.files.length >= names.length + 1);
    for (const cut of [4, 20, 52, 63]) {
      const file = doc.files.find((f: { path: string }) => f.path === `cut${cut}.o`);
      assert.equal(typeof file.error, 'string');
      assert.match(result.stderr, new RegExp(`cut${cut}\\.o: `));
    }
    assert.equal(doc.files.find((f: { path: string }) => f.path === 'ok.s').error, undefined, 'the other inputs are still analyzed');
  }
});

test('disasm refuses text files and unreadable objects with exit 2', () => {
  writeFileSync(join(dir, 'x.s'), '\tret\n');
  const text = runCli(['disasm', 'x.s'], dir);
  assert.equal(text.status, 2);
  assert.match(text.stderr, /not an object file/);
  writeFileSync(join(dir, 'bad.o'), Buffer.from('\x7fELF\x02\x01', 'latin1'));
  const bad = runCli(['disasm', 'bad.o'], dir);
  assert.equal(bad.status, 2);
  assert.ok(!hasStackTrace(bad.stderr));
});

test('layout on an object draws the frame at a line of its disasm listing, members of archives too', () => {
  const doc = parseJson(runCli(['check', '--kernel', '--format', 'json', 'o0.o'], dir));
  const finding = doc.findings.find((f: { code: string }) => f.code === 'red-zone-store') as { line: number; offset: number };
  assert.ok(finding !== undefined, 'the -O0 object has a red-zone store');
  const layout = runCli(['layout', '--kernel', 'o0.o', String(finding.line)], dir);
  assert.equal(layout.status, 0, layout.stderr);
  assert.match(layout.stdout, /return address/);
  assert.match(layout.stdout, new RegExp(`red zone +${finding.line}`));
  assert.match(layout.stdout, /\[red-zone-store\]/);
  const member = runCli(['layout', '--kernel', 'lib.a(o0.o)', String(finding.line)], dir);
  assert.equal(member.status, 0, member.stderr);
  assert.equal(member.stdout.replace(/lib\.a\(o0\.o\)/g, 'o0.o'), layout.stdout);
  const whole = runCli(['layout', 'lib.a', '3'], dir);
  assert.equal(whole.status, 2);
  assert.match(whole.stderr, /name one member/);
  assert.ok(!hasStackTrace(whole.stderr));
});
