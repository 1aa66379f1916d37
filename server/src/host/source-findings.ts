/**
 * Puts the findings of a compiled source's assembly back on the source lines, for the editor and
 * the CLI: each finding goes to the line its instruction's `.loc` names, a `red-zone-clobbered`
 * finding to the line of the instruction that overwrote the data (the inline `asm` statement with
 * the `pushfq`), and a finding without a line of its own to the first line of its function.
 *
 * It also reads the name of the variable behind a stack slot where the compiler wrote it: gcc's
 * `-fverbose-asm` annotates each instruction with its operands' variables (`movl $42, -4(%rbp)
 * #, value`), in the instruction's operand order; clang's full `-g` DWARF places each local at an
 * offset from its function's frame base (`dwarf-variables.ts`).
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Finding, Report } from '../core/index';
import { readFrameVariables, variableAt, type FunctionVariables } from './dwarf-variables';

/** A finding placed on a source line. */
export interface SourceFinding {
  readonly finding: Finding;
  /** Absolute path of the source file the line belongs to. */
  readonly path: string;
  /** 1-based line. */
  readonly line: number;
  /** How the line was chosen, for the message: the instruction's own line, the clobbering `asm`, or the function's first line. */
  readonly placed: 'instruction' | 'clobber' | 'function';
  /** The variable the compiler says the accessed slot holds, when it says. */
  readonly variable: string | undefined;
}

/**
 * Maps every finding of `report` (the analysis of `assembly`, compiled in `directory`) to a
 * source line; a finding whose function has no line information at all is left out of `placed`
 * and returned in `unplaced`.
 */
export function placeOnSources(report: Report, assembly: string, directory: string): { readonly placed: SourceFinding[]; readonly unplaced: Finding[] } {
  const lines = assembly.split('\n');
  const placed: SourceFinding[] = [];
  const unplaced: Finding[] = [];
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(directory, path));
  let frames: Map<string, FunctionVariables> | undefined;
  const dwarfVariable = (finding: Finding): string | undefined => {
    if (finding.kind === undefined) return undefined;
    frames ??= readFrameVariables(assembly);
    const variables = frames.get(finding.function);
    const displacement = variables === undefined ? undefined : frameDisplacement(lines[finding.line], variables.frameBase);
    return displacement === undefined ? undefined : variableAt(variables!, displacement);
  };
  for (const finding of report.findings) {
    const variable = variableOf(lines[finding.line], finding.kind) ?? dwarfVariable(finding);
    const clobber = finding.code === 'red-zone-clobbered' ? finding.related.find((related) => related.source !== undefined)?.source : undefined;
    if (clobber !== undefined) {
      placed.push({ finding, path: absolute(clobber.path), line: clobber.line, placed: 'clobber', variable });
    } else if (finding.source !== undefined && finding.source.line > 0) {
      placed.push({ finding, path: absolute(finding.source.path), line: finding.source.line, placed: 'instruction', variable });
    } else {
      const fn = report.functions.find((summary) => summary.name === finding.function && summary.source !== undefined);
      if (fn?.source !== undefined) placed.push({ finding, path: absolute(fn.source.path), line: fn.source.line, placed: 'function', variable });
      else unplaced.push(finding);
    }
  }
  return { placed, unplaced };
}

/**
 * The variable gcc's `-fverbose-asm` names for the memory operand of an AT&T instruction line:
 * the comment lists the operands' variables in operand order (`# src, dst`), so a store names its
 * slot last and a load first. Temporaries (`_5`, `D.1234`, `tmp87`) and dereferences (`*p_3`) are not a
 * slot's variable and give undefined.
 */
export function variableOf(line: string | undefined, kind: 'store' | 'load' | undefined): string | undefined {
  if (line === undefined || kind === undefined) return undefined;
  const hash = line.indexOf('#');
  if (hash < 0) return undefined;
  const names = line.slice(hash + 1).split(',').map((name) => name.trim());
  if (names.length < 2) return undefined;
  const name = kind === 'store' ? names[names.length - 1] : names[0];
  // gcc's own temporaries are `tmpN`; a user variable with that shape is rare enough to miss.
  return name !== undefined && /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !/^tmp\d+$/.test(name) ? name : undefined;
}

/**
 * The displacement of an instruction's memory operand from `base` when that register alone
 * addresses it, as the compiler wrote it: `-8(%rbp)` (AT&T) or `[rbp - 8]` (Intel). An indexed or
 * other operand gives undefined.
 */
export function frameDisplacement(line: string | undefined, base: 'rbp' | 'rsp'): number | undefined {
  if (line === undefined) return undefined;
  const hash = line.indexOf('#');
  const code = hash < 0 ? line : line.slice(0, hash);
  const att = new RegExp(`(?:^|[\\s,])(-?)(0x[0-9a-f]+|\\d+)?\\(%${base}\\)`, 'i').exec(code);
  if (att !== null) return att[2] === undefined ? 0 : (att[1] === '-' ? -1 : 1) * Number(att[2]);
  const intel = new RegExp(`\\[\\s*${base}\\s*(?:([+-])\\s*(0x[0-9a-f]+|\\d+)\\s*)?\\]`, 'i').exec(code);
  if (intel === null) return undefined;
  return intel[2] === undefined ? 0 : (intel[1] === '-' ? -1 : 1) * Number(intel[2]);
}

/** What a source diagnostic says besides the finding itself. */
export interface SourceMessageContext {
  /** The assembly the finding's line refers to, split into lines. */
  readonly assemblyLines: readonly string[];
  /** Why the file counts as kernel code (the flags that made it so); undefined where the reason is shown apart (the CLI's note). */
  readonly kernelReason: string | undefined;
  /** True when the compile command turns the red zone off (`-mno-red-zone` is its last word on it). */
  readonly noRedZone: boolean;
  /** The build file the quick fix edits, as the user should read it (`Makefile`), when one was found. */
  readonly buildFile: string | undefined;
}

/**
 * The message of a finding on a source line: which local or spill lives below RSP and in which
 * function, which instruction does it, that the translation unit is compiled without
 * `-mno-red-zone` and why it counts as kernel code, and the fix.
 */
export function sourceMessage(placed: SourceFinding, context: SourceMessageContext): string {
  const { finding } = placed;
  const instruction = instructionText(context.assemblyLines[finding.line]);
  const slot = finding.offset !== undefined && finding.size !== undefined ? `${finding.size} byte${finding.size === 1 ? '' : 's'} at RSP${finding.offset}` : undefined;
  const what = placed.variable !== undefined ? `\`${placed.variable}\`${slot === undefined ? '' : ` (${slot})`}` : `a local or spill${slot === undefined ? '' : ` (${slot})`}`;
  const by = instruction === undefined ? '' : ` (\`${instruction}\`)`;
  let head: string;
  switch (finding.code) {
    case 'red-zone-store':
      head = `In \`${finding.function}\`, ${what} is stored below the stack pointer${by}: an interrupt on this stack can overwrite it before it is read.`;
      break;
    case 'red-zone-load':
      head = `In \`${finding.function}\`, ${what} is read from below the stack pointer${by}: an interrupt on this stack can have overwritten it since it was stored.`;
      break;
    case 'red-zone-clobbered': {
      // The overwriting instruction comes from the finding's facts, not parsed back out of a message.
      const overwriter = finding.clobber?.instruction ?? 'a push or call';
      const readAt = finding.source !== undefined && placed.placed === 'clobber' ? `; line ${finding.source.line} then reads the overwritten value` : '';
      head = `In \`${finding.function}\`, \`${overwriter}\` here overwrites ${what}, which the function keeps below the stack pointer${readAt}.`;
      break;
    }
    default:
      head = `In \`${finding.function}\`: ${finding.message}${by}`;
  }
  if (finding.code === 'stack-unknown') return head;
  const build = context.noRedZone ? '' : 'This translation unit is compiled without `-mno-red-zone`. ';
  const kernel = context.kernelReason !== undefined && (finding.code === 'red-zone-store' || finding.code === 'red-zone-load') ? `It counts as kernel code: ${context.kernelReason} ` : '';
  const fix = context.buildFile !== undefined ? `Fix: add \`-mno-red-zone\` to ${context.buildFile} (quick fix).` : 'Fix: build it with `-mno-red-zone`.';
  return `${head} ${build}${kernel}${fix}`;
}

/** The instruction of an assembly line, without its comment and surrounding blanks: `movl $42, -4(%rbp)`. */
function instructionText(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const hash = line.indexOf('#');
  const text = (hash < 0 ? line : line.slice(0, hash)).trim().replace(/\s+/g, ' ');
  return text === '' ? undefined : text;
}

/** True when the last word of `args` on the red zone turns it off. */
export function turnsRedZoneOff(args: readonly string[]): boolean {
  let off = false;
  for (const arg of args) {
    if (arg === '-mno-red-zone') off = true;
    else if (arg === '-mred-zone') off = false;
  }
  return off;
}

/**
 * True when two absolute paths name the same file, through symbolic links too: clang writes the
 * real path of its working directory in `.file 0`, while the editor and the database may reach
 * the same tree through a link.
 */
export function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
