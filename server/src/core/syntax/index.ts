/**
 * The text front end: dialect detection and the parsers for GAS (AT&T and Intel), NASM/YASM and
 * objdump listings, all producing the IR of `../ir.ts`.
 *
 * Invariants: nothing here throws on any input, does IO, or loops more than a constant number
 * of times per input character; what is not understood becomes an `unknown` instruction or an
 * entry in `problems`.
 */
import type { ParsedAsm, TextSyntax } from '../ir';
import { detectSyntax } from './detect';
import type { SectionContext } from './directives';
import { parseGas } from './gas';
import { parseNasm } from './nasm';
import { parseObjdump } from './objdump';
import { newSink } from './sink';

export { detectSyntax } from './detect';
export type { SyntaxDetection } from './detect';
export { opcodeOfWord, parseIntelInstructionText } from './instruction';
export { initialSections, type SectionContext } from './directives';
export { binaryContent } from './text-content';

/** Options of `parseAsm`. */
export interface ParseOptions {
  /** Forces the dialect (`--syntax`, or a language id the editor knows) instead of detecting it. */
  readonly syntax?: TextSyntax;
  /** GAS: the sections in force where the text starts (a function chunk's), `.text` by default. */
  readonly sections?: SectionContext;
}

/**
 * Parses assembly text of any supported dialect into instructions, labels and interpreted
 * directives, in input order. Never throws: on an internal error the items parsed so far are
 * returned with a problem that says so.
 */
export function parseAsm(text: string, options: ParseOptions = {}): ParsedAsm {
  const input = typeof text === 'string' ? text : String(text);
  const detection = options.syntax !== undefined ? { syntax: options.syntax, reason: 'forced by --syntax' } : detectSyntax(input);
  const sink = newSink();
  try {
    switch (detection.syntax) {
      case 'att':
      case 'intel':
        parseGas(input, detection.syntax, sink, options.sections);
        break;
      case 'nasm':
        parseNasm(input, sink);
        break;
      case 'objdump-att':
        parseObjdump(input, 'att', sink);
        break;
      case 'objdump-intel':
        parseObjdump(input, 'intel', sink);
        break;
    }
  } catch (error) {
    // A parser bug must not take the editor down; report it as a problem instead.
    sink.problems.push({ line: 0, message: `internal parser error: ${error instanceof Error ? error.message : String(error)}` });
  }
  return { syntax: detection.syntax, syntaxReason: detection.reason, items: sink.items, comments: sink.comments, problems: sink.problems };
}
