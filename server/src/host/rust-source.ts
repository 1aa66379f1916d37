/**
 * Rust crates that build kernel code: found from a source file, judged from their target and
 * flags, compiled with `cargo rustc -- --emit=asm` into a target directory of our own (the
 * crate's `target/` is never touched), and the findings placed on the crate's source lines.
 *
 * A crate counts as kernel code when it builds for a custom target JSON, or when its rustflags
 * pass `-C code-model=kernel` or `-C target-feature` (soft-float kernels turn off SSE that way) and
 * the crate is `#![no_std]`. The red zone is off when the target JSON says `"disable-redzone": true`
 * or the flags pass `-C no-redzone=y`. Code inlined from outside the crate (`core`) has no line
 * of the crate to land on, so its findings go to the line of the function it was inlined into.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { analyzeText, type AnalysisOptions } from '../core/index';
import { defaultCompileTimeoutMs, runProgram } from './compile-source';
import type { SourceCheck } from './source-check';
import { placeOnSources, type SourceFinding } from './source-findings';


/** A crate and what its configuration says. */
export interface RustCrate {
  /** The directory of its Cargo.toml. */
  readonly directory: string;
  /** Why it counts as kernel code, or undefined when nothing says so. */
  readonly kernelReason: string | undefined;
  /** The target JSON or flags turn the red zone off. */
  readonly noRedZone: boolean;
  /** The crate has a library target (`cargo rustc` then needs `--lib`). */
  readonly hasLib: boolean;
}

/** Finds the crate of a `.rs` file and reads its configuration; undefined outside a crate. Never throws. */
export function findRustCrate(sourcePath: string): RustCrate | undefined {
  try {
    let dir = dirname(resolve(sourcePath));
    for (;;) {
      if (existsSync(join(dir, 'Cargo.toml'))) return describeCrate(dir);
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

function describeCrate(directory: string): RustCrate {
  const config = cargoConfig(directory);
  const flags = config?.rustflags ?? [];
  const joined = flags.join(' ');
  const target = config?.target;
  const hasLib = existsSync(join(directory, 'src', 'lib.rs'));
  const root = readText(join(directory, 'src', hasLib ? 'lib.rs' : 'main.rs')) ?? '';
  const noStd = /#!\s*\[\s*no_std\s*\]/.test(root);
  let noRedZone = /no-redzone(=y(es)?|=on|=true)?\b/.test(joined) && !/no-redzone=(n|no|off|false)\b/.test(joined);
  let kernelReason: string | undefined;
  if (target !== undefined && target.endsWith('.json')) {
    const targetPath = resolve(config!.directory, target);
    const spec = readJson(targetPath);
    if (spec?.['disable-redzone'] === true) noRedZone = true;
    kernelReason = `the crate builds for the custom target \`${relativeOrAbsolute(directory, targetPath)}\` (${config!.path})${noRedZone ? '' : ', which does not set "disable-redzone": true'}.`;
  } else if (noStd && /code-model=kernel|target-feature=/.test(joined)) {
    const quoted = flags.filter((flag) => /code-model=kernel|target-feature=/.test(flag)).map((flag) => `\`-C ${flag.replace(/^-C\s*/, '')}\``);
    kernelReason = `the crate is \`#![no_std]\` and ${config!.path} passes ${quoted.join(' and ')}${noRedZone ? '' : ' without `-C no-redzone=y`'}.`;
  }
  return { directory, kernelReason, noRedZone, hasLib };
}

/** `[build] target` and `rustflags` of the nearest `.cargo/config.toml` (or `.cargo/config`). */
function cargoConfig(start: string): { path: string; directory: string; target: string | undefined; rustflags: string[] } | undefined {
  let dir = start;
  for (;;) {
    for (const name of ['config.toml', 'config']) {
      const path = join(dir, '.cargo', name);
      const text = readText(path);
      if (text !== undefined) return { path, directory: dir, target: tomlString(text, 'target'), rustflags: tomlStrings(text, 'rustflags') };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `key = "value"` in a TOML file (the first one; the `[build]` table holds the keys we read). */
function tomlString(text: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, 'm').exec(text)?.[1];
}

/** `key = ["a", "b"]` (over several lines too), or `key = "a b"`, as a list of flags. */
function tomlStrings(text: string, key: string): string[] {
  const list = new RegExp(`^\\s*${key}\\s*=\\s*\\[([^\\]]*)\\]`, 'm').exec(text)?.[1];
  const words = list !== undefined ? [...list.matchAll(/"([^"]*)"/g)].map((match) => match[1]!) : (tomlString(text, key) ?? '').split(/\s+/).filter((word) => word !== '');
  // `"-C", "code-model=kernel"` and `"-Ccode-model=kernel"` both become `code-model=kernel`.
  return words.filter((word) => word !== '-C').map((word) => word.replace(/^-C/, ''));
}

/** Compiles the crate to assembly and places the findings; never throws. */
export async function checkRustCrate(crate: RustCrate, options: AnalysisOptions, run: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {}): Promise<SourceCheck> {
  const started = performance.now();
  const targetDir = join(tmpdir(), `redzone-cargo-${createHash('sha256').update(crate.directory).digest('hex').slice(0, 16)}`);
  const args = ['rustc', ...(crate.hasLib ? ['--lib'] : []), '--message-format=json', '--', '--emit=asm', '-C', 'debuginfo=2'];
  const result = await runProgram({ program: 'cargo', args, cwd: crate.directory }, undefined, run.timeoutMs ?? defaultCompileTimeoutMs, run.signal, { CARGO_TARGET_DIR: targetDir });
  if (result.cancelled) return { ok: false, message: 'cancelled', cancelled: true };
  if (result.error !== undefined) return { ok: false, message: result.error, cancelled: false };
  const assemblyPath = newestAssembly(targetDir);
  if (assemblyPath === undefined) return { ok: false, message: `cargo wrote no assembly under ${targetDir}`, cancelled: false };
  let assembly: string;
  try {
    assembly = await readFile(assemblyPath, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read ${assemblyPath}: ${error instanceof Error ? error.message : String(error)}`, cancelled: false };
  }
  const report = analyzeText(assembly, { ...options, syntax: undefined, ...(options.forcedKernel === undefined && crate.kernelReason !== undefined ? { buildKernel: { kernel: true, reason: crate.kernelReason } } : {}) });
  const { placed, unplaced } = placeOnSources(report, assembly, crate.directory);
  const lines = new FunctionLines(crate.directory);
  const inCrate = [...placed];
  // A finding without any line goes to its function's line too, when the crate declares it once.
  for (const finding of unplaced) inCrate.push({ finding, path: '', line: 0, placed: 'function', variable: undefined });
  const moved = inCrate.map((finding) => (isInside(crate.directory, finding.path) && finding.path !== '' ? finding : lines.place(finding)));
  return {
    ok: true,
    report,
    assembly,
    placed: moved.filter((finding) => finding.path !== ''),
    unplaced: moved.filter((finding) => finding.path === '').map((finding) => finding.finding),
    compileMs: performance.now() - started,
  };
}

/**
 * Where the crate declares each function: `fn name` in its `.rs` files under `src/`. rustc's
 * `.loc` of an optimized function may name only the inlined `core` code and the closing brace, so
 * the declaration is found in the source; a name declared more than once places nothing.
 */
class FunctionLines {
  readonly #directory: string;
  #files: { path: string; text: string }[] | undefined;
  readonly #found = new Map<string, { path: string; line: number } | undefined>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** The finding on its function's declaration line, or unchanged when that is not known. */
  place(placed: SourceFinding): SourceFinding {
    const name = rustFunctionName(placed.finding.function);
    if (!this.#found.has(name)) this.#found.set(name, this.#declaration(name));
    const at = this.#found.get(name);
    return at === undefined ? placed : { ...placed, path: at.path, line: at.line, placed: 'function' };
  }

  #declaration(name: string): { path: string; line: number } | undefined {
    this.#files ??= rustFiles(join(this.#directory, 'src'));
    const pattern = new RegExp(`\\bfn\\s+${name.replace(/[^\w]/g, '')}\\b`);
    const hits: { path: string; line: number }[] = [];
    for (const file of this.#files) {
      const lines = file.text.split('\n');
      lines.forEach((line, index) => {
        if (pattern.test(line)) hits.push({ path: file.path, line: index + 1 });
      });
    }
    return hits.length === 1 ? hits[0] : undefined;
  }
}

/** `leaf_sum` from `leaf_sum` (`#[no_mangle]`) or from the legacy mangling `_ZN4kern8leaf_sum17h0123456789abcdefE`. */
export function rustFunctionName(symbol: string): string {
  if (!symbol.startsWith('_ZN')) return symbol;
  const parts: string[] = [];
  let at = 3;
  while (at < symbol.length && symbol[at] !== 'E') {
    const digits = /^\d+/.exec(symbol.slice(at))?.[0];
    if (digits === undefined) break;
    at += digits.length;
    parts.push(symbol.slice(at, at + Number(digits)));
    at += Number(digits);
  }
  // The last component is the hash (`h` and 16 hex digits).
  const named = parts.filter((part) => !/^h[0-9a-f]{16}$/.test(part));
  return named[named.length - 1] ?? symbol;
}

/** The `.rs` files under `dir` (at most 2,000, a few levels deep). */
function rustFiles(dir: string): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  const visit = (folder: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names) {
      if (files.length >= 2000) return;
      const path = join(folder, name);
      if (name.endsWith('.rs')) {
        const text = readText(path);
        if (text !== undefined) files.push({ path, text });
      } else if (depth < 8 && !name.startsWith('.')) {
        try {
          if (statSync(path).isDirectory()) visit(path, depth + 1);
        } catch {
          // An unreadable entry is not a source.
        }
      }
    }
  };
  visit(dir, 0);
  return files;
}

/**
 * The newest `.s` in a `deps/` folder of the target directory: cargo leaves an unchanged crate's
 * assembly in place without running rustc again, and a change of flags writes a new file name.
 */
function newestAssembly(targetDir: string): string | undefined {
  let best: { path: string; mtime: number } | undefined;
  const visit = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith('.s') && dir.endsWith('deps')) {
        const mtime = statSync(path).mtimeMs;
        if (best === undefined || mtime > best.mtime) best = { path, mtime };
      } else if (depth < 4 && name !== 'incremental' && name !== 'build' && !name.includes('.')) {
        visit(path, depth + 1);
      }
    }
  };
  visit(targetDir, 0);
  return best?.path;
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function relativeOrAbsolute(from: string, to: string): string {
  const rel = relative(from, to);
  return rel.startsWith('..') || isAbsolute(rel) ? to : rel;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
