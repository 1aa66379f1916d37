/**
 * The seam between the hosts (CLI, language server) and the object-file path: loads capstone once
 * per process (or worker thread) and runs the core's `analyzeObject` and `disassembleObject`.
 *
 * Archive members come back as separate units named `archive.a(member.o)`, the way `ar` and
 * linkers name them, so that each member is reported like a file of its own.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { ElfSource } from '../core/elf/index';
import { analyzeElfSource, analyzeObject, disassembleObject, type ListingSyntax, type ObjectOptions, type ObjectReport } from '../core/objects/index';
import { describeFsError } from './fs-errors';
import type { Report } from '../core/index';
import type { CapstoneDisassembler } from './capstone';
import { createObjectDecoders } from './decoders';

/** What kind of binary the first bytes announce. */
export type BinaryKind = 'elf' | 'ar';

/**
 * True once objects can be analyzed. Directory walks only pick up `.o`/`.ko`/`.a`/`.so` files and
 * ELF executables while this is true.
 */
export const objectFilesSupported = true;

/** Recognizes ELF (`\x7fELF`) and ar archives (`!<arch>\n`, and GNU thin archives `!<thin>\n`) by magic. */
export function binaryKind(bytes: Uint8Array): BinaryKind | undefined {
  const startsWith = (magic: readonly number[]) => magic.every((byte, i) => bytes[i] === byte);
  if (startsWith([0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  const arch = [0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a]; // "!<arch>\n"
  const thin = [0x21, 0x3c, 0x74, 0x68, 0x69, 0x6e, 0x3e, 0x0a]; // "!<thin>\n"
  if (startsWith(arch) || startsWith(thin)) return 'ar';
  return undefined;
}

/** One analyzed unit of an input file: the file itself, or one archive member. */
export interface ObjectFileUnit {
  /** The path to report: the input's path, or `archive.a(member.o)`. */
  readonly path: string;
  /** `elf64`, `elf32`, or what the unit looked like when it failed. */
  readonly input: string;
  readonly report: Report | undefined;
  /** The listing the report's lines refer to (only its flagged lines with `keepListing: 'findings'`); left out (undefined) when `keepListing` says so. */
  readonly listing: string | undefined;
  readonly error: string | undefined;
}

/** The analysis of one input file. */
export interface ObjectFileAnalysis {
  /** `elf64`, `elf32` or `ar`. */
  readonly input: string;
  readonly units: readonly ObjectFileUnit[];
  /** Set when the file as a whole failed; `units` is then empty. */
  readonly error: string | undefined;
  /** An archive damaged after some readable members (`ObjectReport.damage`). */
  readonly damage?: string;
}

/** Options of `analyzeObjectFile` (`keepListing: 'findings'` for big scans). */
export type ObjectFileOptions = ObjectOptions;

let capstone: Promise<CapstoneDisassembler> | undefined;

/** The process's (or worker thread's) decoders, iced-x86 and capstone, loaded on first use. */
function disassembler(): Promise<CapstoneDisassembler> {
  capstone ??= createObjectDecoders();
  // A failed load is reported for this file and retried for the next one.
  capstone.catch(() => (capstone = undefined));
  return capstone;
}

/**
 * Analyzes an ELF object, shared object, executable or ar archive. `path` names the units in the
 * results and the listing's header. Never throws for bad input: failures are `error` fields.
 */
export async function analyzeObjectFile(path: string, bytes: Uint8Array, options: ObjectFileOptions = {}): Promise<ObjectFileAnalysis> {
  let d: CapstoneDisassembler;
  try {
    d = await disassembler();
  } catch (error) {
    return { input: binaryKind(bytes) ?? 'unknown', units: [], error: `cannot load the disassembler: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = analyzeObject(bytes, basename(path), d, options);
  const analysis = toFileAnalysis(path, result);
  // A file that failed as a whole still says what its magic bytes announced ('elf' or 'ar').
  return analysis.error !== undefined && analysis.input === 'unknown' ? { ...analysis, input: binaryKind(bytes) ?? 'unknown' } : analysis;
}

function toFileAnalysis(path: string, result: ObjectReport): ObjectFileAnalysis {
  const units = result.units.map((unit) => ({
    path: unit.member === undefined ? path : `${path}(${unit.member})`,
    input: unit.input,
    report: unit.report,
    listing: unit.listing,
    error: unit.error,
  }));
  return { input: result.input, units, error: result.error, ...(result.damage === undefined ? {} : { damage: result.damage }) };
}

/** A size for a message: `65.0 MiB`, or `64 MiB` for a whole number (the limits people set). */
export function mebibytes(bytes: number, whole = false): string {
  const mib = bytes / 1048576;
  return `${whole && Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/**
 * Analyzes the object file at `absolute` (reported as `path`) without reading it whole when it is
 * an ELF file: the core reads the sections its analysis needs at their offsets, so a 633 MB
 * vmlinux costs the 200-odd MB of code, symbols and DWARF units and lines it has, not its size.
 * Archives are read whole. `maxBytes` bounds what is read. Never throws.
 */
export async function analyzeObjectPath(path: string, absolute: string, options: ObjectFileOptions, maxBytes: number): Promise<ObjectFileAnalysis> {
  let fd: number | undefined;
  try {
    fd = openSync(absolute, 'r');
    const size = fstatSync(fd).size;
    const source = fileSource(fd, size);
    const kind = binaryKind(source.read(0, Math.min(8, size)) ?? new Uint8Array(0));
    if (kind !== 'elf') {
      if (size > maxBytes) return { input: kind ?? 'unknown', units: [], error: `file is too large (${mebibytes(size)}; the limit is ${mebibytes(maxBytes, true)})` };
      return await analyzeObjectFile(path, readFileSync(fd), options);
    }
    let d: CapstoneDisassembler;
    try {
      d = await disassembler();
    } catch (error) {
      return { input: 'elf', units: [], error: `cannot load the disassembler: ${error instanceof Error ? error.message : String(error)}` };
    }
    const analysis = toFileAnalysis(path, analyzeElfSource(source, basename(path), d, options, maxBytes));
    return analysis.error !== undefined && analysis.input === 'unknown' ? { ...analysis, input: 'elf' } : analysis;
  } catch (error) {
    return { input: 'unknown', units: [], error: `cannot read the file: ${describeFsError(error)}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An open file as the core's `ElfSource`: each read is one `pread` into a buffer of its own. */
function fileSource(fd: number, size: number): ElfSource {
  return {
    size,
    read(offset, length) {
      try {
        const buffer = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const got = readSync(fd, buffer, done, length - done, offset + done);
          if (got === 0) return undefined;
          done += got;
        }
        return buffer;
      } catch {
        return undefined;
      }
    },
  };
}

/** Either a result or a per-file error message (no path in it; the caller adds the path). */
export type ObjectResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * The objdump-like listing of an object that findings refer to (`redzone-lint disasm FILE`). For an
 * archive every member is printed after an `In archive` line, as objdump does, unless `member`
 * picks one (`disasm 'libc.a(printf.o)'`), whose listing is then exactly the one its findings use.
 */
export async function disassembleObjectFile(path: string, bytes: Uint8Array, syntax: ListingSyntax = 'att', member?: string): Promise<ObjectResult<string>> {
  let d: CapstoneDisassembler;
  try {
    d = await disassembler();
  } catch (error) {
    return { ok: false, error: `cannot load the disassembler: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = disassembleObject(bytes, basename(path), d, syntax);
  if (result.error !== undefined) return { ok: false, error: result.error };
  if (member !== undefined) {
    const unit = result.units.find((u) => u.member === member);
    if (!unit) return { ok: false, error: `the archive has no member ${member}` };
    return unit.listing !== undefined ? { ok: true, value: unit.listing } : { ok: false, error: `${member}: ${unit.error ?? 'no listing'}` };
  }
  if (result.input !== 'ar') return { ok: true, value: result.units[0]?.listing ?? '' };
  const parts = [`In archive ${basename(path)}:\n`];
  for (const unit of result.units) parts.push(unit.listing ?? `\n${unit.member}: error: ${unit.error ?? 'unreadable'}\n`);
  return { ok: true, value: parts.join('') };
}

/** Splits `archive.a(member.o)` into its parts, or undefined when `path` does not have that shape. */
export function archiveMemberPath(path: string): { archive: string; member: string } | undefined {
  const match = /^(.+)\(([^()]+)\)$/.exec(path);
  return match ? { archive: match[1], member: match[2] } : undefined;
}
