/**
 * The single-file commands, `layout` and `disasm`: each returns the text to print or an error
 * message, and `main.ts` writes it and picks the exit code.
 */
import { frameLayoutAt } from '../core/index';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { archiveMemberPath, disassembleObjectFile } from '../host/objects';
import type { AnalysisFlags } from './args';
import { analysisOptionsFor, type Notice } from './check';
import { formatLayout } from './format-layout';
import { loadInput } from './inputs';
import { LineIndex } from './line-index';

/** Output of a single-file command: text for stdout, or an error for stderr (exit 2); notices go to stderr either way. */
export type CommandOutput =
  | { readonly ok: true; readonly text: string; readonly notices: readonly Notice[] }
  | { readonly ok: false; readonly message: string; readonly notices: readonly Notice[] };

/** `layout FILE LINE` with a 1-based LINE. */
export function layoutCommand(file: string, line: number, flags: AnalysisFlags, cwd: string): CommandOutput {
  const loaded = loadInput(file, cwd);
  if (loaded.kind === 'error') return { ok: false, message: `${file}: ${loaded.message}`, notices: [] };
  if (loaded.kind === 'object') {
    return { ok: false, message: `${file}: layout of object files is not supported yet; run it on an \`objdump -d\` listing`, notices: [] };
  }
  const lineCount = new LineIndex(loaded.text).lineCount;
  if (line > lineCount) return { ok: false, message: `${file}: line ${line} is past the end of the file (${lineCount} lines)`, notices: [] };
  const { options, notices } = analysisOptionsFor(file, flags, cwd);
  const layout = frameLayoutAt(loaded.text, line - 1, options);
  if (layout === undefined) {
    return { ok: false, message: `${file}:${line}: not an instruction inside a function the analysis knows`, notices };
  }
  return { ok: true, text: formatLayout(layout, file), notices };
}

/**
 * `disasm [--intel] FILE`: the listing that findings in an object refer to. FILE may name an
 * archive member the way findings do (`libc.a(printf.o)`) when no file has that name.
 */
export async function disasmCommand(file: string, cwd: string, intel = false): Promise<CommandOutput> {
  let path = file;
  let member: string | undefined;
  const split = archiveMemberPath(file);
  if (split !== undefined && !existsSync(resolve(cwd, file))) {
    path = split.archive;
    member = split.member;
  }
  const loaded = loadInput(path, cwd);
  if (loaded.kind === 'error') return { ok: false, message: `${path}: ${loaded.message}`, notices: [] };
  if (loaded.kind === 'text') {
    return { ok: false, message: `${path}: not an object file (disasm reads ELF objects and ar archives)`, notices: [] };
  }
  const result = await disassembleObjectFile(path, loaded.bytes, intel ? 'intel' : 'att', member);
  return result.ok ? { ok: true, text: result.value, notices: [] } : { ok: false, message: `${file}: ${result.error}`, notices: [] };
}
