/**
 * Reading an ELF file by sections (issue 11 item 19: a Debian vmlinux is 633 MB): `readElfFrom`
 * reads, through an `ElfSource`, the headers and only the sections `analysisReads` keeps; a linked
 * file's `.debug_info` is read unit by unit. On gcc output compiled at test time (objects, linked
 * executables, one linked with `--emit-relocs` as vmlinux is, a shared object, a module):
 *   - the report and listing equal those of the whole file read into memory;
 *   - no byte of a section the analysis does not read is read (location lists, address ranges,
 *     a linked file's static relocations), and a linked file's `.debug_info` only in unit windows;
 *   - the limit counts the sections read, and a file over it is refused with both numbers;
 *   - a source that fails every read past the headers gives problems, not an exception.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { arraySource, readCompileUnits, readElf, readElfFrom, SHT, type ElfSource } from '../../server/src/core/elf/index';
import { analyzeElfSource, analyzeObject } from '../../server/src/core/objects/index';
import { analysisReads } from '../../server/src/core/objects/sections';
import { createObjectDecoders, type ObjectDecoders } from '../../server/src/host/decoders';
import { fixtures } from '../fixtures/elf/build';

let decoders: ObjectDecoders;
before(async () => {
  decoders = await createObjectDecoders();
});

/** A source over `bytes` that records every read. */
function recording(bytes: Uint8Array): { source: ElfSource; reads: { offset: number; length: number }[] } {
  const inner = arraySource(bytes);
  const reads: { offset: number; length: number }[] = [];
  return {
    reads,
    source: { size: inner.size, read: (offset, length) => (reads.push({ offset, length }), inner.read(offset, length)) },
  };
}

const NAMES = ['dwarf5', 'dwarf4', 'emitrelocs', 'dwarf5.o', 'nored.o', 'switches.o', 'shared.so', 'fake.ko', 'f32g.o'];
const unlimited = 1 << 30;

for (const name of NAMES) {
  test(`${name}: read by sections, the report and listing are those of the whole file`, () => {
    const bytes = fixtures().read(name);
    for (const keepListing of ['always', 'findings'] as const) {
      const whole = analyzeObject(bytes, name, decoders, { keepListing });
      const bySections = analyzeElfSource(arraySource(bytes), name, decoders, { keepListing }, unlimited);
      assert.equal(whole.error, undefined, whole.error);
      assert.deepEqual(bySections, whole, keepListing);
    }
  });

  test(`${name}: only the sections the analysis reads are read`, () => {
    const bytes = fixtures().read(name);
    const { source, reads } = recording(bytes);
    const elf = readElfFrom(source, analysisReads).value!;
    assert.ok(readCompileUnits(elf).value !== undefined);
    const whole = readElf(bytes).value!;
    // The compile units read unit by unit (linked files) are those of the whole section.
    assert.deepEqual(readCompileUnits(elf), readCompileUnits(whole));
    const linked = elf.type !== 'relocatable';
    for (const section of elf.sections) {
      if (section.type === SHT.NOBITS || section.size === 0) continue;
      const touching = reads.filter((r) => r.offset < section.offset + section.size && section.offset < r.offset + r.length);
      const unread = ['.debug_loclists', '.debug_rnglists', '.debug_aranges', '.debug_loc', '.debug_ranges', '.debug_frame'].includes(section.name) || (linked && (section.type === SHT.RELA || section.type === SHT.REL) && (section.flags & 2) === 0);
      if (unread) assert.deepEqual(touching, [], `${section.name} was read`);
      if (linked && section.name === '.debug_info') {
        assert.equal(section.loaded, false);
        for (const read of touching) assert.ok(read.length <= 16 * 1024 + 12, `a window of ${read.length} bytes`);
      }
      if (section.loaded) assert.deepEqual(section.data, whole.sections[section.index]!.data, section.name);
    }
  });
}

test('the limit counts the sections the analysis reads, and says both sizes', () => {
  const bytes = fixtures().read('emitrelocs');
  const refused = analyzeElfSource(arraySource(bytes), 'emitrelocs', decoders, {}, 1024);
  assert.equal(refused.units.length, 0);
  assert.match(refused.error ?? '', /^file is too large \(\d+\.\d MiB, of which the analysis reads \d+\.\d MiB; the limit is 0\.0 MiB\)$/);
  // What it reads is less than the file: the debug sections it skips are most of a -g executable.
  const read = recording(bytes);
  analyzeElfSource(read.source, 'emitrelocs', decoders, {}, unlimited);
  const total = read.reads.reduce((sum, r) => sum + r.length, 0);
  assert.ok(total < bytes.length, `${total} of ${bytes.length} bytes read`);
});

test('a source that fails every read past the headers gives problems, not an exception', () => {
  const bytes = fixtures().read('dwarf5');
  const elf = readElf(bytes).value!;
  const headersEnd = Math.max(...elf.sections.map((s) => s.offset)) > 0 ? 64 : 0;
  const shoff = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true));
  const failing: ElfSource = { size: bytes.length, read: (offset, length) => (offset < headersEnd || offset === shoff ? bytes.subarray(offset, offset + length) : undefined) };
  const read = readElfFrom(failing, analysisReads);
  assert.ok(read.value !== undefined || read.error !== undefined);
  const report = analyzeElfSource(failing, 'dwarf5', decoders, {}, unlimited);
  assert.ok(report.error !== undefined || report.units.length === 1);
});
