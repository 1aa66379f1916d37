/**
 * The entry of the preprocessing front end (see `expansion.ts`): picks the preprocessors a text
 * needs, in the order its assembler runs them: the C preprocessor (`.S` files), then GAS macros;
 * or NASM's preprocessor.
 */
import type { TextSyntax } from '../ir';
import { preprocessC, linesFromPreprocessed } from './cpp';
import { ExpansionOutput, splitLines, type ExpandedSource, type SourceLine, type SourceOptions } from './expansion';
import { expandGasMacros } from './gas-macros';
import { preprocessNasm } from './nasm-preprocessor';

/** GAS lines that only the macro expander understands (at a statement's start, after labels). */
const GAS_MACRO_WORDS = /^[ \t]*(?:[A-Za-z0-9_.$]+:[ \t]*)*\.(?:macro|rept|rep|irpc?|irepc?|if[a-z]*|include|exitm|purgem)\b/im;
/** C preprocessor lines in a NASM file: `#include`, `#define`, `#if`. */
const C_DIRECTIVES = /^[ \t]*#[ \t]*(?:include|define|if|ifdef|ifndef)\b/m;
/** NASM preprocessor lines. */
const NASM_WORDS = /^[ \t]*%[a-z+]|%\(|%\[|%%|%[0-9]/im;

/** True when `text` needs the front end at all (compiler output never does). */
export function needsExpansion(text: string, syntax: TextSyntax, options: SourceOptions): boolean {
  if (syntax === 'objdump-att' || syntax === 'objdump-intel') return false;
  if (options.c === true || options.preprocessed !== undefined) return syntax !== 'nasm';
  if (syntax === 'nasm') return NASM_WORDS.test(text) || C_DIRECTIVES.test(text) || (options.defines ?? []).length > 0;
  return GAS_MACRO_WORDS.test(text);
}

/**
 * Expands `text` (written in `syntax`) into the lines the parsers read, with the map back. Never
 * throws: an internal error returns the text unchanged with a problem that says so.
 */
export function expandSource(text: string, syntax: TextSyntax, options: SourceOptions = {}): ExpandedSource {
  if (!needsExpansion(text, syntax, options)) return { changed: false, text, origin: [], verbatim: [], macro: [], problems: [], uncovered: [] };
  const written = splitLines(text);
  const out = new ExpansionOutput(written.length);
  try {
    let lines: SourceLine[] = written.map((line, k) => ({ text: line, origin: k, verbatim: true, macro: undefined }));
    if (syntax === 'nasm') {
      // EDK2 runs the C preprocessor on its .nasm files first (`#include <Base.h>`, `#define`).
      if (options.c === true || C_DIRECTIVES.test(text)) lines = preprocessC(written, options, out);
      preprocessNasm(lines, options, out);
      return out.finish(text);
    }
    if (options.preprocessed !== undefined) lines = linesFromPreprocessed(options.preprocessed, options.fileName, written, out);
    else if (options.c === true) lines = preprocessC(written, options, out);
    expandGasMacros(lines, options, out);
    return out.finish(text);
  } catch (error) {
    const fresh = new ExpansionOutput(written.length);
    fresh.problem(0, `internal error in the preprocessor: ${error instanceof Error ? error.message : String(error)}; the file is analyzed unexpanded`);
    written.forEach((line, k) => fresh.emit({ text: line, origin: k, verbatim: true, macro: undefined }));
    return { ...fresh.finish(text), problems: fresh.problems };
  }
}
