/**
 * The seam between the hosts (CLI, language server) and the object-file path (ELF reader and
 * capstone). Until the object engine lands, every function here answers with a clear
 * "not supported yet" error; the object engineer replaces the bodies and flips
 * `objectFilesSupported`, and no caller has to change.
 */
import type { AnalysisOptions, Report } from '../core/index';

/** What kind of binary the first bytes announce. */
export type BinaryKind = 'elf' | 'ar';

/**
 * True once objects can be analyzed. Directory walks only pick up `.o`/`.ko`/`.a`/`.so` files and
 * ELF executables while this is true, so that `check src/` does not fail on build products today.
 */
export const objectFilesSupported = false;

/** Recognizes ELF (`\x7fELF`) and ar archives (`!<arch>\n`, and GNU thin archives `!<thin>\n`) by magic. */
export function binaryKind(bytes: Uint8Array): BinaryKind | undefined {
  const startsWith = (magic: readonly number[]) => magic.every((byte, i) => bytes[i] === byte);
  if (startsWith([0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  const arch = [0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a]; // "!<arch>\n"
  const thin = [0x21, 0x3c, 0x74, 0x68, 0x69, 0x6e, 0x3e, 0x0a]; // "!<thin>\n"
  if (startsWith(arch) || startsWith(thin)) return 'ar';
  return undefined;
}

/** The analysis of an object: the report, and the listing its 0-based lines and spans refer to. */
export interface ObjectAnalysis {
  readonly report: Report;
  /** The text `redzone-lint disasm FILE` prints; findings' lines and spans point into it. */
  readonly listing: string;
}

/** Either a result or a per-file error message (no path in it; the caller adds the path). */
export type ObjectResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const notYet = 'object files are not supported yet (disassemble with `objdump -d` and check the listing instead)';

/**
 * Analyzes an ELF object, shared object, executable or ar archive. `path` is only for messages.
 * Never throws for bad input; returns `{ ok: false }` with a message instead.
 */
export async function analyzeObjectFile(
  path: string,
  bytes: Uint8Array,
  options: AnalysisOptions,
): Promise<ObjectResult<ObjectAnalysis>> {
  void path;
  void bytes;
  void options;
  return { ok: false, error: notYet };
}

/** The objdump-like listing of an object that findings refer to (`redzone-lint disasm FILE`). */
export async function disassembleObjectFile(path: string, bytes: Uint8Array): Promise<ObjectResult<string>> {
  void path;
  void bytes;
  return { ok: false, error: notYet };
}
