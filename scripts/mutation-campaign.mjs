#!/usr/bin/env node
// Mutation campaign (issue 11): hostile inputs made from real compiler output and the repository's
// fixtures, run through the built CLI the way a user runs it, one `check` process per batch of 50.
// Not part of `npm test`: it takes tens of minutes. Build first (`npm run build`), then
//
//   node scripts/mutation-campaign.mjs [--texts 20000] [--objects 5000] [--seed 1] [--keep DIR]
//
// It reports, and exits 1 on any of them:
// - internal errors: "internal error" on stderr or in a file's error, or a parse or analysis problem
//   that says "internal" (problems are read from `files[].problems` when the JSON has them, and
//   from the core run in this process on the same text otherwise);
// - hangs: an input that takes more than 10 s alone (a batch over its time limit is run again one
//   input at a time to find them);
// - raw bytes on stderr: control characters other than line feed and tab, or U+FFFD.
//
// Texts: gcc and clang `-S` output (-O0, -O2, -Os, AT&T and Intel, with and without -g) of the
// C files under test/fixtures, and every fixture in test/fixtures/asm; mutated by deleting,
// duplicating, swapping and splicing lines, inserting random bytes, nesting an operand thousands
// deep, repeating pushes, cutting the text, and mixing dialects. Objects: `-c` builds of the same
// C files, mutated by repeating section headers, truncation, bit flips, header field overwrites,
// and archives of them with damaged BSD names and sizes.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleHarness } from './bundle-harness.mjs';
import { withRepeatedHeaders } from '../test/fixtures/objects/mutate.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const TEXTS = Number(option('--texts', '20000'));
const OBJECTS = Number(option('--objects', '5000'));
const BATCH = 50;
const HANG_MS = 10_000;
let seed = Number(option('--seed', '1')) >>> 0 || 1;
const keep = option('--keep', undefined);

if (!existsSync(cli)) {
  console.error('mutation-campaign: dist/cli.js is missing; run `npm run build` first');
  process.exit(2);
}

/** xorshift32: the campaign is reproducible from its seed. */
function random() {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const work = keep ?? mkdtempSync(join(tmpdir(), 'redzone-campaign-'));
mkdirSync(work, { recursive: true });

// ---- Bases: real compiler output and the fixtures. ----
function cFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.c')) out.push(path);
    }
  };
  walk(join(root, 'test', 'fixtures'));
  return out;
}

// The C of the differential oracle (libexpat, liblmdb, Argon2), when a test run has fetched it.
function oracleFiles() {
  const dir = join(root, '.cache', 'oracle', 'src');
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(path);
      else if (/\.c$/.test(entry.name) && out.length < 24) out.push(path);
    }
  };
  walk(dir);
  return out;
}

const sources = [...cFiles(), ...oracleFiles()];
const textBases = [];
const objectBases = [];
const builds = join(work, 'bases');
mkdirSync(builds, { recursive: true });
let built = 0;
for (const source of sources) {
  for (const cc of ['gcc', 'clang']) {
    for (const flags of [['-O0'], ['-O2'], ['-Os', '-g'], ['-O2', '-masm=intel'], ['-O1', '-g', '-mno-red-zone']]) {
      const out = join(builds, `b${built++}`);
      try {
        execFileSync(cc, ['-S', '-w', ...flags, source, '-o', `${out}.s`], { stdio: 'ignore' });
        textBases.push(readFileSync(`${out}.s`, 'utf8'));
        if (!flags.includes('-masm=intel')) {
          execFileSync(cc, ['-c', '-w', ...flags, source, '-o', `${out}.o`], { stdio: 'ignore' });
          objectBases.push(new Uint8Array(readFileSync(`${out}.o`)));
        }
      } catch {
        // A source that needs headers this machine lacks is skipped.
      }
    }
  }
}
const fixtureDir = join(root, 'test', 'fixtures', 'asm');
for (const name of readdirSync(fixtureDir)) textBases.push(readFileSync(join(fixtureDir, name), 'latin1'));
console.log(`bases: ${textBases.length} texts (${sources.length} C files x gcc, clang x 5 flag sets, and ${readdirSync(fixtureDir).length} fixtures), ${objectBases.length} objects`);

// ---- Text mutations. ----
const junkLines = ['\tpushq %rax', '\tsubq %rax, %rsp', '\tandq $-32, %rsp', '\tpushfq', '\tcall foo', '\tjmp *%rax', '\tmovq %rdi, -8(%rsp)', '\tmov rax, QWORD PTR [rsp-8]', '.L99:', '\t.intel_syntax noprefix', '\t.att_syntax', '\t.code32', '\tbits 16', '   0:\t48 89 e5             \tmov    %rsp,%rbp', '0000000000000000 <g>:', '\t.section .rodata', '\t.text', '/*', '*/', '\t.macro m\n\tm\n\t.endm\n\tm'];

function mutateText(text) {
  let lines = text.split('\n');
  const rounds = int(1, 4);
  for (let r = 0; r < rounds; r++) {
    const at = int(0, Math.max(0, lines.length - 1));
    switch (int(0, 11)) {
      case 0: lines.splice(at, int(1, 20)); break;
      case 1: lines.splice(at, 0, ...lines.slice(at, at + int(1, 50))); break;
      case 2: { const b = int(0, lines.length - 1); [lines[at], lines[b]] = [lines[b], lines[at]]; break; }
      case 3: lines.splice(at, 0, ...pick(textBases).split('\n').slice(0, int(1, 200))); break;
      case 4: lines[at] = (lines[at] ?? '') + String.fromCharCode(...Array.from({ length: int(1, 16) }, () => int(0, 255))); break;
      case 5: { const d = int(100, 30000); lines.splice(at, 0, pick([`\tmovq %rax, ${'('.repeat(d)}8${')'.repeat(d)}(%rsp)`, `\tmov rax, QWORD PTR ${'['.repeat(d)}rsp${']'.repeat(d)}`, `\t.quad ${'('.repeat(d)}1${')'.repeat(d)}`])); break; }
      case 6: lines.splice(at, 0, ...Array.from({ length: int(100, 20000) }, () => pick(['\tpushq %rbx', '\tsubq $8, %rsp', '\tpushq %rax\n\tjne .L99']))); break;
      case 7: lines = lines.slice(0, at); break;
      case 8: lines.splice(at, 0, pick(junkLines)); break;
      case 9: lines.splice(at, 0, ...Array.from({ length: int(10, 2000) }, (_, k) => `.Lm${k}:\n\taddq $16, %rsp\n\tsubq $${int(0, 64)}, %rsp\n\tjne .Lm${int(0, k)}`)); break;
      case 10: lines[at] = (lines[at] ?? '').split('').reverse().join(''); break;
      default: lines.splice(at, 0, '\x00'.repeat(int(1, 4)) + (lines[at] ?? '')); break;
    }
  }
  const out = lines.join('\n');
  return out.length > 800_000 ? out.slice(0, 800_000) : out;
}

// ---- Object mutations. ----
function arHeader(name, size) {
  const field = (text, width) => text.padEnd(width, ' ').slice(0, width);
  return new TextEncoder().encode(`${field(name, 16)}${field('0', 12)}${field('0', 6)}${field('0', 6)}${field('644', 8)}${field(String(size), 10)}\`\n`);
}

function bsdArchive(members) {
  const parts = [new TextEncoder().encode('!<arch>\n')];
  members.forEach((member, k) => {
    const name = new TextEncoder().encode(`member_with_a_long_bsd_name_${k}.o`);
    parts.push(arHeader(`#1/${name.length}`, name.length + member.length), name, member);
    if ((name.length + member.length) % 2 === 1) parts.push(new Uint8Array([0x0a]));
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function mutateObject(base) {
  let bytes = base;
  const rounds = int(1, 3);
  for (let r = 0; r < rounds; r++) {
    switch (int(0, 5)) {
      case 0: bytes = withRepeatedHeaders(bytes, int(1, 3000)); break;
      case 1: bytes = bytes.slice(0, int(0, bytes.length)); break;
      case 2: { bytes = bytes.slice(); for (let k = int(1, 32); k > 0 && bytes.length > 0; k--) bytes[int(0, bytes.length - 1)] ^= 1 << int(0, 7); break; }
      case 3: { bytes = bytes.slice(); if (bytes.length >= 64) { const at = pick([0x18, 0x20, 0x28, 0x34, 0x36, 0x3a, 0x3c, 0x3e]); for (let k = 0; k < 2; k++) bytes[at + k] = int(0, 255); } break; }
      case 4: bytes = bsdArchive([bytes, pick(objectBases)]); break;
      default: {
        bytes = bsdArchive([bytes]).slice();
        const digits = new TextEncoder().encode(String(int(0, 99999)));
        bytes.set(digits.subarray(0, 5), 8 + pick([3, 48]));
        break;
      }
    }
  }
  return bytes;
}

// ---- Running the CLI. ----
function runCli(argv) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cli, ...argv], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS * BATCH);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, ms: Date.now() - started, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function runAlone(path) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cli, 'check', '--kernel', '--format', 'json', path], { cwd: work, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS + 5_000);
    child.on('close', () => {
      clearTimeout(timer);
      done(Date.now() - started);
    });
  });
}

const tally = { texts: 0, objects: 0, batches: 0, internal: [], hangs: [], rawStderr: [], exit: [] };
// The core, bundled, run on each text batch in a child process of its own (with the same time
// limit): this version's JSON counts parse problems without listing them, and an analysis that
// hangs must not hang the campaign.
const coreHarness = await bundleHarness(root, `
import { readFileSync } from 'node:fs';
import { analyzeText } from './server/src/core/index';
for (const path of process.argv.slice(2)) {
  const text = new TextDecoder('utf-8').decode(readFileSync(path));
  for (const problem of analyzeText(text, { forcedKernel: { kernel: true, reason: 'campaign' } }).problems) {
    if (/internal/.test(problem.message)) console.log(JSON.stringify({ path, line: problem.line + 1, message: problem.message }));
  }
}
`, 'campaign-core');

function coreProblems(files) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [coreHarness, ...files], { stdio: ['ignore', 'pipe', 'ignore'] });
    const out = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS * BATCH);
    child.on('close', () => {
      clearTimeout(timer);
      done(Buffer.concat(out).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)));
    });
  });
}

/** Control characters other than \n and \t, and U+FFFD (a byte that is not UTF-8), on stderr. */
const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/;

async function runBatch(kind, files) {
  tally.batches++;
  const result = await runCli(['check', '--kernel', '--format', 'json', ...files]);
  if (result.status !== 0 && result.status !== 1 && result.status !== 2) tally.exit.push(`${files[0]}...: exit ${result.status} ${result.signal ?? ''}`);
  if (raw.test(result.stderr)) tally.rawStderr.push(`${kind} batch at ${files[0]}: ${JSON.stringify(result.stderr.match(/.{0,40}[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd].{0,40}/)?.[0])}`);
  if (/internal error/.test(result.stderr)) tally.internal.push(`${kind} batch at ${files[0]}: ${result.stderr.split('\n').find((l) => /internal error/.test(l))}`);
  let doc;
  try {
    doc = JSON.parse(result.stdout);
  } catch {
    doc = undefined;
  }
  for (const file of doc?.files ?? []) {
    if (/internal/.test(file.error ?? '')) tally.internal.push(`${file.path}: ${file.error}`);
    for (const problem of file.problems ?? []) if (/internal/.test(problem.message ?? String(problem))) tally.internal.push(`${file.path}: ${problem.message ?? problem}`);
  }
  // Problems are counted, not listed, in the JSON of this version: the core says which.
  if (kind === 'text') for (const p of await coreProblems(files)) tally.internal.push(`${p.path}: line ${p.line}: ${p.message}`);
  // A batch killed, or over 30 s, is run again input by input to find inputs over 10 s alone.
  if (result.signal !== null || result.ms > 3 * HANG_MS) {
    for (const file of files) {
      const ms = await runAlone(file);
      if (ms > HANG_MS) tally.hangs.push(`${file}: ${(ms / 1000).toFixed(1)} s`);
    }
  }
}

const started = Date.now();
const textDir = join(work, 'texts');
const objectDir = join(work, 'objects');
mkdirSync(textDir, { recursive: true });
mkdirSync(objectDir, { recursive: true });
for (let batch = 0; batch * BATCH < TEXTS; batch++) {
  const files = [];
  for (let k = 0; k < BATCH && batch * BATCH + k < TEXTS; k++) {
    const text = mutateText(pick(textBases));
    const path = join(textDir, `t${batch * BATCH + k}.${pick(['s', 'S', 'asm', 'dis'])}`);
    writeFileSync(path, text, 'latin1');
    files.push(path);
  }
  tally.texts += files.length;
  await runBatch('text', files);
  if (!keep) for (const file of files) rmSync(file);
  if (batch % 20 === 19) console.log(`texts: ${tally.texts} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
for (let batch = 0; batch * BATCH < OBJECTS; batch++) {
  const files = [];
  for (let k = 0; k < BATCH && batch * BATCH + k < OBJECTS; k++) {
    const bytes = mutateObject(pick(objectBases));
    const path = join(objectDir, `o${batch * BATCH + k}.${pick(['o', 'ko', 'a'])}`);
    writeFileSync(path, bytes);
    files.push(path);
  }
  tally.objects += files.length;
  await runBatch('object', files);
  if (!keep) for (const file of files) rmSync(file);
  if (batch % 20 === 19) console.log(`objects: ${tally.objects} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
if (!keep) rmSync(work, { recursive: true, force: true });

const show = (title, list) => console.log(`${title}: ${list.length}${list.length > 0 ? `\n  ${list.slice(0, 20).join('\n  ')}` : ''}`);
console.log(`\n${tally.texts} texts and ${tally.objects} objects in ${tally.batches} CLI runs of up to ${BATCH}, ${((Date.now() - started) / 60000).toFixed(1)} min`);
show('internal errors', tally.internal);
show(`hangs over ${HANG_MS / 1000} s`, tally.hangs);
show('raw bytes on stderr', tally.rawStderr);
show('unexpected exit statuses', tally.exit);
process.exit(tally.internal.length + tally.hangs.length + tally.rawStderr.length + tally.exit.length > 0 ? 1 : 0);
