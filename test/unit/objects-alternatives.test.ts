/**
 * Linux alternatives in objects: test/fixtures/objects/alternatives.S, assembled by gcc at test
 * time, has the kernel's ALTERNATIVE shapes (a replacement that stores below RSP, an empty
 * replacement over a `jmp`, a replacement that jumps back into the function) and one entry whose
 * original instructions end inside an instruction. Each replacement must be analyzed with the
 * state at the instructions it replaces and flagged on its own line of the listing, with both
 * decoders; broken tables must give a clear message or `stack-unknown`, never a crash or a guess.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readElf } from '../../server/src/core/elf/index';
import { analyzeObject, disassembleObject, type ObjectOptions, type ObjectUnit } from '../../server/src/core/objects/index';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { createObjectDecoders, type ObjectDecoders } from '../../server/src/host/decoders';

let dir = '';
let bytes = new Uint8Array();
let capstone: CapstoneDisassembler;
let decoders: ObjectDecoders;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redzone-alternatives-'));
  execFileSync('gcc', ['-c', join(process.cwd(), 'test', 'fixtures', 'objects', 'alternatives.S'), '-o', join(dir, 'alternatives.o')]);
  bytes = new Uint8Array(readFileSync(join(dir, 'alternatives.o')));
  capstone = await createCapstoneDisassembler();
  decoders = await createObjectDecoders();
});
after(() => {
  capstone.close();
  decoders.close();
  rmSync(dir, { recursive: true, force: true });
});

function unitOf(input: Uint8Array, options: ObjectOptions = {}, disassembler: CapstoneDisassembler = decoders): ObjectUnit {
  const result = analyzeObject(input, 'alternatives.o', disassembler, options);
  assert.equal(result.error, undefined);
  return result.units[0]!;
}

/** The listing line of a 0-based line, and the section it is printed in. */
function placeOf(listing: string, line: number): { text: string; section: string } {
  const lines = listing.split('\n');
  const header = lines.slice(0, line).reverse().find((l) => l.startsWith('Disassembly of section '));
  return { text: lines[line]!, section: header?.slice('Disassembly of section '.length, -1) ?? '' };
}

test('each replacement is analyzed with the state where it applies, and flagged on its own line', () => {
  const listing = disassembleObject(bytes, 'alternatives.o', decoders).units[0]!.listing!;
  for (const disassembler of [decoders, capstone]) {
    const unit = unitOf(bytes, { keepListing: 'findings' }, disassembler);
    const findings = unit.report!.findings.map((f) => ({ function: f.function, code: f.code, offset: f.offset, ...placeOf(listing, f.line) }));
    assert.deepEqual(findings, [
      // The empty replacement (NOPs over `jmp .Lplain`) falls through to the store the original jumps over.
      { function: 'feature_store', code: 'red-zone-store', offset: -16, text: '  16:\t48 89 7c 24 f0       \tmov    %rdi,-0x10(%rsp)', section: '.text' },
      // Reached only by the replacement's `jmp .Lspill_back`, a relocation against .text.
      { function: 'jump_back', code: 'red-zone-store', offset: -24, text: '  28:\t48 89 7c 24 e8       \tmov    %rdi,-0x18(%rsp)', section: '.text' },
      { function: 'broken_entry', code: 'stack-unknown', offset: undefined, text: '  33:\tb8 01 00 00 00       \tmov    $0x1,%eax', section: '.text' },
      // In the replacement, after `push %rbp`: RSP-8 there is below the stack pointer.
      { function: 'popcount_spill', code: 'red-zone-store', offset: -8, text: '   5:\t48 89 44 24 f8       \tmov    %rax,-0x8(%rsp)', section: '.altinstr_replacement' },
    ]);
    const unknown = unit.report!.findings.find((f) => f.code === 'stack-unknown')!;
    assert.match(unknown.message, /alternative 3 of \.altinstructions, which cannot be read: its original instructions end at \.text\+0x36, inside an instruction of the listing/);
    assert.deepEqual(unit.alternatives, { entries: 4, analyzed: 3, unreadable: 1 });
    // The printed lines of `check` are the listing's own.
    for (const f of unit.report!.findings) assert.equal(unit.listing!.split('\n')[f.line], listing.split('\n')[f.line]);
  }
});

test('the whole-listing path and the one-pass path agree', () => {
  const strip = (unit: ObjectUnit) => unit.report!.findings.map((f) => `${f.line} ${f.function} ${f.code} ${f.offset} ${f.message}`);
  const always = unitOf(bytes, { keepListing: 'always' });
  assert.deepEqual(strip(always), strip(unitOf(bytes, { keepListing: 'findings' })));
  assert.deepEqual(always.report!.functions.map((f) => f.name), ['popcount_spill', 'feature_store', 'jump_back', 'broken_entry']);
  assert.equal(always.listing, disassembleObject(bytes, 'alternatives.o', decoders).units[0]!.listing);
});

/** A copy of the object with `patch` applied to the bytes of `.altinstructions` or its section header. */
function patched(patch: (file: Uint8Array, data: number, header: number) => void): Uint8Array {
  const copy = bytes.slice();
  const elf = readElf(copy).value!;
  const section = elf.sections.find((s) => s.name === '.altinstructions')!;
  const shoff = Number(new DataView(copy.buffer).getBigUint64(0x28, true));
  patch(copy, section.offset, shoff + section.index * 64);
  return copy;
}

test('broken tables: a clear problem or stack-unknown at the site, never a crash or a guess', () => {
  // Entry 0's replacement length (byte 11) longer than the instructions it replaces.
  const longer = unitOf(patched((file, data) => (file[data + 11] = 200)));
  const unknown = longer.report!.findings.filter((f) => f.function === 'popcount_spill');
  assert.deepEqual(unknown.map((f) => f.code), ['stack-unknown']);
  assert.match(unknown[0]!.message, /alternative 0 of \.altinstructions, which cannot be read: its replacement \(200 bytes\) runs past the end of \.altinstr_replacement/);
  // The original instructions' length (byte 10) past the end of .text.
  const past = unitOf(patched((file, data) => (file[data + 10] = 255)));
  assert.match(past.report!.findings.find((f) => f.function === 'popcount_spill')!.message, /its original instructions \(255 bytes at \.text\+0x4\) run past the end of the section/);
  // A section size that is not a whole number of entries (sh_size at +32 of the section header).
  const odd = unitOf(patched((file, _data, header) => (file[header + 32] = 13)));
  assert.deepEqual(odd.report!.problems.map((p) => p.message), ['.altinstructions is 13 bytes, not a whole number of 12-byte entries (Linux 6.1\'s struct alt_instr); its alternatives are not analyzed']);
  assert.deepEqual(odd.alternatives, { entries: 0, analyzed: 0, unreadable: 0 });
  // Garbage over every entry: no relocation moves, so the places are still known; only lengths change.
  const garbage = unitOf(patched((file, data) => file.fill(0xff, data, data + 48)));
  assert.ok(garbage.report!.findings.every((f) => f.code === 'stack-unknown'), garbage.report!.findings.map((f) => f.message).join('\n'));
  assert.equal(garbage.alternatives!.analyzed, 0);
});
