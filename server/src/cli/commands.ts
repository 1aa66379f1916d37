/**
 * The single-file commands, `layout` and `disasm`: each returns the text to print or an error
 * message, and `main.ts` writes it and picks the exit code.
 */
import { frameLayoutAt } from '../core/index';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultMaxFileSize } from '../core/objects/index';
import { analyzeObjectFile, archiveMemberPath, disassembleObjectFile } from '../host/objects';
import type { AnalysisFlags } from './args';
import { analysisOptionsFor, type Notice } from './check';
import { formatLayout } from './format-layout';
import { loadInput } from './inputs';
import { LineIndex } from './line-index';

/** Output of a single-file command: text for stdout, or an error for stderr (exit 2); notices go to stderr either way. */
export type CommandOutput =
  | { readonly ok: true; readonly text: string; readonly notices: readonly Notice[] }
  | { readonly ok: false; readonly message: string; readonly notices: readonly Notice[] };

/** `layout FILE LINE` with a 1-based LINE; for an object, LINE is a line of its `disasm` listing. */
export async function layoutCommand(file: string, line: number, flags: AnalysisFlags, cwd: string): Promise<CommandOutput> {
  const { path, member } = objectPath(file, cwd);
  const loaded = loadInput(path, cwd, flags.maxFileSize);
  if (loaded.kind === 'error') return { ok: false, message: `${path}: ${loaded.message}`, notices: [] };
  const { options, notices } = analysisOptionsFor(file, flags, cwd);
  let text: string;
  let layoutOptions = options;
  if (loaded.kind === 'object') {
    // The frame of an object is drawn on the listing that `disasm` prints and findings refer to,
    // with the object's own verdict (its build provenance) unless the command line forces one.
    const analysis = await analyzeObjectFile(path, loaded.bytes, { ...options, keepListing: 'always' });
    const units = analysis.units.filter((u) => member === undefined || archiveMemberPath(u.path)?.member === member);
    const unit = units[0];
    if (analysis.error !== undefined || unit === undefined) {
      const why = analysis.error ?? (member === undefined ? 'an archive with no members' : `the archive has no member ${member}`);
      return { ok: false, message: `${file}: ${why}`, notices };
    }
    if (units.length > 1) return { ok: false, message: `${file}: an archive; name one member, as in '${unit.path}'`, notices };
    if (unit.listing === undefined || unit.report === undefined) return { ok: false, message: `${file}: ${unit.error ?? 'no listing'}`, notices };
    text = unit.listing;
    layoutOptions = { ...options, buildKernel: options.buildKernel ?? unit.report.kernel };
  } else text = loaded.text;
  const lineCount = new LineIndex(text).lineCount;
  if (line > lineCount) return { ok: false, message: `${file}: line ${line} is past the end of the ${loaded.kind === 'object' ? 'listing' : 'file'} (${lineCount} lines)`, notices };
  const layout = frameLayoutAt(text, line - 1, layoutOptions);
  if (layout === undefined) {
    return { ok: false, message: `${file}:${line}: not an instruction inside a function the analysis knows`, notices };
  }
  return { ok: true, text: formatLayout(layout, file), notices };
}

/** `lib.a(m.o)` names an archive member when no file has that literal name. */
function objectPath(file: string, cwd: string): { path: string; member: string | undefined } {
  const split = archiveMemberPath(file);
  return split !== undefined && !existsSync(resolve(cwd, file)) ? { path: split.archive, member: split.member } : { path: file, member: undefined };
}

/**
 * `disasm [--intel] FILE`: the listing that findings in an object refer to. FILE may name an
 * archive member the way findings do (`libc.a(printf.o)`) when no file has that name.
 */
export async function disasmCommand(file: string, cwd: string, intel = false, maxFileSize = defaultMaxFileSize): Promise<CommandOutput> {
  const { path, member } = objectPath(file, cwd);
  const loaded = loadInput(path, cwd, maxFileSize);
  if (loaded.kind === 'error') return { ok: false, message: `${path}: ${loaded.message}`, notices: [] };
  if (loaded.kind === 'text') {
    return { ok: false, message: `${path}: not an object file (disasm reads ELF objects and ar archives)`, notices: [] };
  }
  const result = await disassembleObjectFile(path, loaded.bytes, intel ? 'intel' : 'att', member);
  return result.ok ? { ok: true, text: result.value, notices: [] } : { ok: false, message: `${file}: ${result.error}`, notices: [] };
}
