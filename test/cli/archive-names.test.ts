/**
 * Issue 11, item 22: a BSD `ar` archive whose name length or size field is damaged. The name ran
 * into the member's ELF header and several KB of binary were printed raw to stderr, and the
 * archive itself was not in the JSON `files[]`. Archives are built here (BSD `#1/NN` names and GNU
 * long names around a real object) and damaged at random: names read are bounded and printable,
 * stderr holds no control byte, and every archive given is in `files[]` under its own name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { readArchive } from '../../server/src/core/elf/ar';
import { parseJson, runCli, tempDir } from './run-cli';

const dir = tempDir();
const object = (() => {
  writeFileSync(join(dir, 'm.c'), 'long leaf(long a) { volatile long t = a; return t * 2; }\n');
  execFileSync('gcc', ['-O2', '-c', join(dir, 'm.c'), '-o', join(dir, 'm.o')]);
  return new Uint8Array(readFileSync(join(dir, 'm.o')));
})();

/** A 60-byte ar member header. */
function header(name: string, size: number): Uint8Array {
  const field = (text: string, width: number) => text.padEnd(width, ' ').slice(0, width);
  return new TextEncoder().encode(`${field(name, 16)}${field('0', 12)}${field('0', 6)}${field('0', 6)}${field('644', 8)}${field(String(size), 10)}\`\n`);
}

/** `!<arch>` with a BSD member `#1/NN` whose name precedes the object, then a GNU long-name member. */
function archive(bsdName: string): Uint8Array {
  const name = new TextEncoder().encode(bsdName);
  const parts: Uint8Array[] = [new TextEncoder().encode('!<arch>\n')];
  const bsdSize = name.length + object.length;
  parts.push(header(`#1/${name.length}`, bsdSize), name, object);
  if (bsdSize % 2 === 1) parts.push(new Uint8Array([0x0a]));
  const table = new TextEncoder().encode('a_gnu_long_member_name_that_is_long.o/\n');
  parts.push(header('//', table.length), table);
  if (table.length % 2 === 1) parts.push(new Uint8Array([0x0a]));
  parts.push(header('/0', object.length), object);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const intact = archive('long_bsd_name.o');

/** Damage: overwrite a header field (the BSD name length, a size) or any bytes with digits or noise. */
const damage = fc.record({
  at: fc.oneof(fc.constant(8 + 3), fc.constant(8 + 48), fc.nat({ max: intact.length - 1 })),
  bytes: fc.oneof(fc.stringMatching(/^[0-9]{1,6}$/).map((s) => new TextEncoder().encode(s)), fc.uint8Array({ minLength: 1, maxLength: 12 })),
});

test('damaged archives: names bounded and printable in the reader', () => {
  fc.assert(
    fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (damages) => {
      const bytes = intact.slice();
      for (const d of damages) bytes.set(d.bytes.subarray(0, bytes.length - d.at), d.at);
      const read = readArchive(bytes);
      for (const member of read.value ?? []) {
        assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(member.name), JSON.stringify(member.name));
        assert.ok(member.name.length <= 260, `${member.name.length} characters`);
      }
      for (const problem of read.problems ?? []) assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(problem), JSON.stringify(problem));
    }),
    { numRuns: 300 },
  );
});

test('damaged archives through the CLI: no control byte on stderr, every archive in files[]', () => {
  // One CLI run checks a batch of damaged archives (a process per archive would take minutes).
  const names: string[] = [];
  fc.assert(
    fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), (damages) => {
      const bytes = intact.slice();
      for (const d of damages) bytes.set(d.bytes.subarray(0, bytes.length - d.at), d.at);
      const name = `lib${names.length}.a`;
      writeFileSync(join(dir, name), bytes);
      names.push(name);
    }),
    { numRuns: 60 },
  );
  // The damage the issue met: the BSD name length made larger, so the name runs into the ELF header.
  const longName = intact.slice();
  longName.set(new TextEncoder().encode('#1/99'), 8);
  writeFileSync(join(dir, 'liblong.a'), longName);
  names.push('liblong.a');
  const result = runCli(['check', '--format', 'json', ...names], dir);
  assert.ok(result.status === 0 || result.status === 1 || result.status === 2, result.stderr);
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufffd]/.test(result.stderr), `raw bytes on stderr: ${JSON.stringify(result.stderr.slice(0, 300))}`);
  const files: string[] = parseJson(result).files.map((file: { path: string }) => file.path);
  for (const name of names) assert.ok(files.some((path) => path === name || path.startsWith(`${name}(`)), `${name} is in files[]`);
  assert.match(result.stderr, /liblong\.a: the archive is damaged: member at offset 8 has a name with a NUL byte in it/);
});
