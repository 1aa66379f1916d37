/**
 * Options of one analysis run. The host (CLI or language server) fills in what only it can know:
 * a forced answer, or what the settings globs and compile_commands.json say.
 */
import type { TextSyntax } from './ir';
import type { SourceOptions } from './syntax/expansion';
import type { Abi, KernelVerdict } from './report';

export interface AnalysisOptions {
  /** Forces the dialect instead of detecting it from the content. */
  readonly syntax?: TextSyntax;
  /** Defaults to `sysv`, or `i386` for 32-bit code. */
  readonly abi?: Abi;
  /** `--kernel`/`--user` (precedence 0 of docs/contracts.md): beats every other evidence, including the magic comment (1). */
  readonly forcedKernel?: KernelVerdict;
  /** What `kernelFiles`/`userFiles` globs say about this file (precedence 2). */
  readonly globKernel?: KernelVerdict;
  /** What the build (compile_commands.json, object provenance) says (precedence 3). */
  readonly buildKernel?: KernelVerdict;
  /** Content evidence (privileged instructions, kernel sections), precedence 4; default true. */
  readonly detectKernel?: boolean;
  /** How to preprocess the text (`.S` files, include paths, predefined symbols): see `syntax/expansion.ts`. */
  readonly source?: SourceOptions;
  /**
   * Set by the façade when the analyzed text is an expansion: maps its 0-based lines to those of
   * the text the user wrote, for line numbers quoted inside messages.
   */
  readonly lineOrigin?: (line: number) => number;
  /** Set with `lineOrigin`: the text the user wrote, whose comments the preprocessor removed (`redzone: kernel`). */
  readonly writtenText?: string;
}
