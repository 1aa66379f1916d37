/**
 * The kernel evidence only a host can gather, for both the CLI and the language server:
 * precedence 2 (the `kernelFiles`/`userFiles` globs) and precedence 3 (the build, read from
 * `compile_commands.json`). The magic comment and the content evidence are the core's business;
 * the host passes what it finds here as `globKernel` and `buildKernel` in `AnalysisOptions`.
 *
 * Nothing here throws for bad settings or bad files: problems come back as strings.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { globMatcher } from './globs';
import type { KernelVerdict } from '../core/report';
import { findCompileCommands, loadCompileCommands, matchCompileCommand } from './compile-commands';

/** What the host knows about where kernel code lives. */
export interface KernelEvidenceSettings {
  /** The directory the globs are relative to (the workspace folder, or the CLI's working directory). */
  readonly root: string;
  /** Globs of files that are kernel code (`redzone.kernelFiles`, `--kernel-glob`). */
  readonly kernelFiles?: readonly string[];
  /** Globs of files that are user code (`redzone.userFiles`, `--user-glob`). */
  readonly userFiles?: readonly string[];
  /**
   * An explicit `compile_commands.json` (absolute, or relative to `root`). When absent the
   * database is looked for in the file's directory and its ancestors (and their `build/`).
   */
  readonly compileCommands?: string;
  /** Set to false to skip the build evidence entirely. Default true. */
  readonly useCompileCommands?: boolean;
  /** How reasons name the glob settings; default `redzone.kernelFiles` and `redzone.userFiles`. */
  readonly settingNames?: { readonly kernelFiles: string; readonly userFiles: string };
}

/** Evidence for one file; pass the verdicts on in `AnalysisOptions`. */
export interface KernelEvidence {
  readonly globKernel: KernelVerdict | undefined;
  readonly buildKernel: KernelVerdict | undefined;
  /** The database consulted, if one was found. */
  readonly compileCommandsPath: string | undefined;
  /** Problems worth telling the user (broken database, unusable entries); never fatal. */
  readonly problems: readonly string[];
}

/** Gathers the glob and build evidence of one file. */
export function kernelEvidence(filePath: string, settings: KernelEvidenceSettings): KernelEvidence {
  const build = buildKernelVerdict(filePath, settings);
  return {
    globKernel: globKernelVerdict(filePath, settings),
    buildKernel: build.verdict,
    compileCommandsPath: build.compileCommandsPath,
    problems: build.problems,
  };
}

/** The first glob that matches the file (relative to the root, or absolute when outside it). */
function firstMatch(globs: readonly string[] | undefined, candidates: readonly string[]): string | undefined {
  return (globs ?? []).find((glob) => candidates.some((candidate) => globMatcher(glob)(candidate)));
}

/**
 * What the globs say (precedence 2). When a file matches both lists it counts as kernel code,
 * because a warning the user can silence is safer than silence, and the reason names both globs so
 * the conflict is visible (a `redzone: user` magic comment settles it for one file).
 */
export function globKernelVerdict(filePath: string, settings: KernelEvidenceSettings): KernelVerdict | undefined {
  const absolute = resolve(settings.root, filePath);
  const rel = relative(settings.root, absolute).split(sep).join('/');
  const candidates = rel.startsWith('../') || isAbsolute(rel) ? [rel, absolute.split(sep).join('/')] : [rel];
  const names = settings.settingNames ?? { kernelFiles: 'redzone.kernelFiles', userFiles: 'redzone.userFiles' };
  const kernelGlob = firstMatch(settings.kernelFiles, candidates);
  const userGlob = firstMatch(settings.userFiles, candidates);
  if (kernelGlob !== undefined && userGlob !== undefined) {
    return {
      kernel: true,
      reason:
        `\`${rel}\` matches both the ${names.kernelFiles} glob \`${kernelGlob}\` and the ${names.userFiles} glob ` +
        `\`${userGlob}\`; kernel wins (add a \`redzone: user\` comment to the file to override).`,
    };
  }
  if (kernelGlob !== undefined) {
    return { kernel: true, reason: `\`${rel}\` matches the ${names.kernelFiles} glob \`${kernelGlob}\`.` };
  }
  if (userGlob !== undefined) {
    return { kernel: false, reason: `\`${rel}\` matches the ${names.userFiles} glob \`${userGlob}\`.` };
  }
  return undefined;
}

/** The result of looking at the build. */
export interface BuildEvidence {
  readonly verdict: KernelVerdict | undefined;
  readonly compileCommandsPath: string | undefined;
  readonly problems: readonly string[];
}

/** What `compile_commands.json` says about the file (precedence 3). */
export function buildKernelVerdict(filePath: string, settings: KernelEvidenceSettings): BuildEvidence {
  if (settings.useCompileCommands === false) return { verdict: undefined, compileCommandsPath: undefined, problems: [] };
  const absolute = resolve(settings.root, filePath);
  const databasePath =
    settings.compileCommands !== undefined ? resolve(settings.root, settings.compileCommands) : findCompileCommands(absolute);
  if (databasePath === undefined) return { verdict: undefined, compileCommandsPath: undefined, problems: [] };
  const loaded = loadCompileCommands(databasePath);
  if (!loaded.ok) return { verdict: undefined, compileCommandsPath: databasePath, problems: [loaded.problem] };
  const { database } = loaded;
  const match = matchCompileCommand(database, absolute);
  if (match === undefined) return { verdict: undefined, compileCommandsPath: databasePath, problems: database.problems };
  const where = `${databasePath} builds \`${relativeOrAbsolute(match.entry.directory, match.entry.file)}\` (${match.how})`;
  return { verdict: kernelFlagsVerdict(match.entry.arguments, where), compileCommandsPath: databasePath, problems: database.problems };
}

function relativeOrAbsolute(from: string, to: string): string {
  const rel = relative(from, to);
  return rel.startsWith('..') || isAbsolute(rel) ? to : rel;
}

/**
 * Decides from compiler arguments whether they build kernel code: `-D__KERNEL__` or
 * `-mcmodel=kernel` alone, or `-mno-red-zone` together with `-ffreestanding`, `-nostdlib` or
 * `-fno-pic`. Returns undefined when the flags say nothing (not a user verdict: the content
 * evidence still gets its say). `where` introduces the reason, e.g. "compile_commands.json builds `a.c`".
 */
export function kernelFlagsVerdict(args: readonly string[], where: string): KernelVerdict | undefined {
  let noRedZone: string | undefined;
  let cmodelKernel: string | undefined;
  let kernelDefine: string | undefined;
  const freestanding: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // Later flags override earlier ones, as they do for the compiler.
    if (arg === '-mno-red-zone') noRedZone = arg;
    else if (arg === '-mred-zone') noRedZone = undefined;
    else if (arg.startsWith('-mcmodel=')) cmodelKernel = arg === '-mcmodel=kernel' ? arg : undefined;
    else if (arg === '-D__KERNEL__' || arg.startsWith('-D__KERNEL__=')) kernelDefine = arg;
    else if (arg === '-D' && (args[i + 1] === '__KERNEL__' || args[i + 1]?.startsWith('__KERNEL__='))) kernelDefine = `-D ${args[++i]}`;
    else if (arg === '-U__KERNEL__') kernelDefine = undefined;
    else if (arg === '-ffreestanding' || arg === '-nostdlib' || arg === '-fno-pic' || arg === '-fno-PIC') {
      if (!freestanding.includes(arg)) freestanding.push(arg);
    }
  }
  const quote = (flags: readonly string[]) => flags.map((flag) => `\`${flag}\``).join(' and ');
  const strong = [kernelDefine, cmodelKernel].filter((flag): flag is string => flag !== undefined);
  if (strong.length > 0) {
    const flags = noRedZone !== undefined ? [...strong, noRedZone] : strong;
    // The case the tool exists for: kernel flags without -mno-red-zone. Say so plainly.
    const missing = noRedZone === undefined ? ' but without `-mno-red-zone`' : '';
    return { kernel: true, reason: `${where} with ${quote(flags)}${missing}.` };
  }
  if (noRedZone !== undefined && freestanding.length > 0) {
    return { kernel: true, reason: `${where} with ${quote([noRedZone, ...freestanding])}.` };
  }
  return undefined;
}
