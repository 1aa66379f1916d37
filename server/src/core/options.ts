/**
 * Options of one analysis run. The host (CLI or language server) fills in what only it can know:
 * a forced answer, or what the settings globs and compile_commands.json say.
 */
import type { TextSyntax } from './ir';
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
}
