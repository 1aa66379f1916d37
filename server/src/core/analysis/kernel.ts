/**
 * Decides whether an input counts as kernel code, in the order of docs/contracts.md ("Which files
 * count as kernel code"), highest first: 0 forced by the caller (`--kernel`/`--user`), 1 the
 * magic comment in the first 30 lines, 2 the settings globs, 3 the build (compile_commands.json or
 * object provenance), 4 content evidence, 5 otherwise user code. The reason is a sentence shown in every finding and hover.
 */
import type { AnalysisOptions } from '../options';
import type { KernelVerdict } from '../report';
import type { KernelEvidence } from './program';

const magicComment = /(?:#|;|\/\/|\/\*|@|!|\*).*?\bredzone:\s*(kernel|user)\b/i;

/** Finds `redzone: kernel` or `redzone: user` in a comment within the first 30 lines. */
export function findMagicComment(text: string): KernelVerdict | undefined {
  let lineStart = 0;
  for (let line = 0; line < 30 && lineStart <= text.length; line++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    // Only the first 4 KiB of a line: a hostile 100 MB line must not cost a regex over all of it.
    const content = text.slice(lineStart, Math.min(lineEnd, lineStart + 4096));
    const match = content.includes('redzone') ? magicComment.exec(content) : null;
    if (match !== null) {
      const kernel = match[1]!.toLowerCase() === 'kernel';
      return { kernel, reason: `line ${line + 1} has the comment \`redzone: ${kernel ? 'kernel' : 'user'}\`` };
    }
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/**
 * The verdict of the rules that outrank content evidence (caller, magic comment, globs, build), or
 * undefined when the content decides. A one-pass analysis checks functions before it has seen all
 * of the content, so it needs to know whether later evidence can still change the verdict.
 */
export function kernelBeforeContent(text: string, options: AnalysisOptions): KernelVerdict | undefined {
  return options.forcedKernel ?? findMagicComment(text) ?? options.globKernel ?? options.buildKernel;
}

/** Applies the precedence; `evidence` is what the content shows. */
export function decideKernel(text: string, options: AnalysisOptions, evidence: KernelEvidence | undefined): KernelVerdict {
  return kernelBeforeContent(text, options) ?? kernelFromContent(options, evidence);
}

/** The verdict when no rule above content evidence decided: the evidence, or user code. */
export function kernelFromContent(options: AnalysisOptions, evidence: KernelEvidence | undefined): KernelVerdict {
  if (options.detectKernel !== false && evidence !== undefined) {
    return { kernel: true, reason: `line ${evidence.line + 1} has ${evidence.what}, so this looks like kernel code` };
  }
  return {
    kernel: false,
    reason: options.detectKernel === false ? 'nothing marks it as kernel code (content detection is off)' : 'nothing marks it as kernel code: no magic comment, glob, build flag or privileged instruction',
  };
}
