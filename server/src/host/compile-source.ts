/**
 * Compiling a C, C++ or Rust source to assembly with its own build flags, for the editor (on save)
 * and the CLI (`check --compile-commands` with C sources as inputs).
 *
 * The compiler is the program the build database names, run with `execFile` (never a shell) in
 * the entry's directory; its `-o` and dependency-file flags are replaced, so the build's objects
 * and `.d` files are never touched, and its output goes to a fresh temporary directory that is
 * removed afterwards. Every run has a time limit and can be cancelled through an `AbortSignal`;
 * `JobLimiter` keeps at most N compilers running at once. Nothing here throws: a compiler that is
 * missing, fails, times out or is cancelled comes back as a result that says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invocationFor, type CompileCommand, type Invocation } from './compile-commands';

/**
 * Flags added to every compile: line tables (`.loc`) for the source mapping, and the names of the
 * variables behind stack slots. `-g1` (clang: `-gline-tables-only`) is the debug level that has
 * the line tables and no more: full `-g` output of the SQLite amalgamation at -O2 is over 64 MiB
 * of location lists nobody reads here (clang: 138 MB against 37 MB at `-g1`), and takes longer to
 * write. Unoptimized code has no location lists, and it is where named locals live below RSP, so
 * at `-O0` the compile asks for full `-g`: clang names a slot's variable only in its DWARF
 * (`dwarf-variables.ts`), gcc also in its `-fverbose-asm` comments. Debug levels never change the
 * code, so the findings are those of `-g` (test/cli/sources-equivalence.test.ts).
 */
export function assemblyFlagsFor(args: readonly string[]): readonly string[] {
  return [optimizes(args) ? '-g1' : '-g', '-fverbose-asm'];
}

/** True when the last optimization flag of a command line asks for more than `-O0` (none means `-O0`). */
function optimizes(args: readonly string[]): boolean {
  let level = '0';
  for (const arg of args) if (arg.startsWith('-O')) level = arg.slice(2);
  return level !== '0';
}

/** The default time limit of one compile. */
export const defaultCompileTimeoutMs = 60_000;

/** What one compile produced. */
export type CompileResult =
  | { readonly ok: true; readonly assembly: string; readonly invocation: Invocation; readonly elapsedMs: number }
  | {
      readonly ok: false;
      /** A sentence for the user: why there is no assembly. */
      readonly message: string;
      /** True when the run was cancelled (a newer request came); callers publish nothing then. */
      readonly cancelled: boolean;
      readonly invocation: Invocation | undefined;
    };

/** How to compile one entry. */
export interface CompileRequest {
  readonly entry: CompileCommand;
  /** The unsaved text to compile instead of the file (sent on standard input). */
  readonly text?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Output larger than this is refused (a 64 MiB `.s` is far beyond one translation unit). */
const maxAssemblyBytes = 64 * 1024 * 1024;

/** Compiles the entry's source to assembly with `-S -g`; never throws. */
export async function compileToAssembly(request: CompileRequest): Promise<CompileResult> {
  if (request.signal?.aborted) return { ok: false, message: 'cancelled', cancelled: true, invocation: undefined };
  let dir: string | undefined;
  let invocation: Invocation | undefined;
  const started = performance.now();
  try {
    dir = await mkdtemp(join(tmpdir(), 'redzone-cc-'));
    const output = join(dir, 'out.s');
    invocation = invocationFor(request.entry, { stop: '-S', output, extra: assemblyFlagsFor(request.entry.arguments), stdin: request.text !== undefined });
    // A line marker names the file, so `.file`, `.loc` and __FILE__ say irq.c rather than <stdin>.
    const stdin = request.text === undefined ? undefined : `# 1 ${JSON.stringify(request.entry.file)}\n${request.text}`;
    const run = await runProgram(invocation, stdin, request.timeoutMs ?? defaultCompileTimeoutMs, request.signal);
    if (run.cancelled) return { ok: false, message: 'cancelled', cancelled: true, invocation };
    if (run.error !== undefined) return { ok: false, message: run.error, cancelled: false, invocation };
    const assembly = await readFile(output, 'utf8');
    if (assembly.length > maxAssemblyBytes) return { ok: false, message: 'the compiler wrote more than 64 MiB of assembly', cancelled: false, invocation };
    return { ok: true, assembly, invocation, elapsedMs: performance.now() - started };
  } catch (error) {
    return { ok: false, message: `could not compile: ${error instanceof Error ? error.message : String(error)}`, cancelled: false, invocation };
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Runs a program to completion; says why it failed, in words. */
export function runProgram(
  invocation: Invocation,
  stdin: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  /** Variables to set for the program besides the ones it inherits (`CARGO_TARGET_DIR`). */
  extraEnv?: Readonly<Record<string, string>>,
): Promise<{ readonly cancelled: boolean; readonly error: string | undefined; readonly stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      invocation.program,
      [...invocation.args],
      { cwd: invocation.cwd, timeout: timeoutMs, signal, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', env: extraEnv === undefined ? undefined : { ...process.env, ...extraEnv } },
      (error, stdout, stderr) => {
        if (signal?.aborted) return resolve({ cancelled: true, error: undefined, stdout: '' });
        if (error === null) return resolve({ cancelled: false, error: undefined, stdout });
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string | null };
        const shown = `\`${[invocation.program, ...invocation.args].join(' ')}\``;
        if (failure.code === 'ENOENT') return resolve({ cancelled: false, error: `the compiler \`${invocation.program}\` was not found (in ${invocation.cwd})`, stdout: '' });
        if (failure.killed && failure.signal === 'SIGTERM') {
          return resolve({ cancelled: false, error: `${shown} took longer than ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`} and was stopped`, stdout: '' });
        }
        resolve({ cancelled: false, error: `${shown} failed${typeof failure.code === 'number' ? ` (exit status ${failure.code})` : ''}: ${firstLines(stderr || failure.message)}`, stdout });
      },
    );
    child.on('error', () => undefined);
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

/** The first few lines of compiler output: enough to see the error, short enough for a message. */
function firstLines(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(0, 6).join('\n') + (lines.length > 6 ? `\n… (${lines.length - 6} more lines)` : '');
}

/** Runs at most `limit` tasks at once; the rest wait in order. */
export class JobLimiter {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** Runs `task` when a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
