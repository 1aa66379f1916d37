/**
 * Turning the PATH arguments of `check` into files, and files into text or bytes.
 *
 * Every failure here is a per-input error message, never an exception: one bad input must not stop
 * the others from being analyzed (docs/contracts.md: "they are still analyzed and reported").
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { describeFsError } from '../host/fs-errors';
import { binaryKind, mebibytes, objectFilesSupported, type BinaryKind } from '../host/objects';
import { binaryContent } from '../core/index';

/** Extensions of the text inputs a directory walk picks up. Explicit paths are read whatever their name. */
export const textExtensions: readonly string[] = ['.s', '.S', '.sx', '.asm', '.nasm', '.dis', '.dump', '.objdump'];

/**
 * Extensions of object inputs a directory walk picks up once objects are supported. `.lst` and
 * `.txt` are left out on purpose: NASM listings and arbitrary notes are not assembly the parsers
 * read, and picking them up would turn a clean tree into a wall of parse problems.
 */
const objectExtensions: readonly string[] = ['.o', '.ko', '.a', '.so', '.obj'];

/** A path the user asked for that could not be turned into inputs. */
export interface InputError {
  readonly path: string;
  /** What the input looked like, for `files[].input`: 'directory', 'elf', 'ar', 'binary', 'unknown'. */
  readonly input: string;
  readonly message: string;
}

/** A file to analyze, or a path that failed, in the order of the PATH arguments. */
export type InputItem = { readonly kind: 'file'; readonly path: string } | ({ readonly kind: 'error' } & InputError);

/**
 * Expands the PATH arguments: files are taken as given, directories are walked (skipping
 * `node_modules` and dot-directories) for assembly files, and for objects once they are supported.
 * Paths are kept as the user spelled them (joined with the names found), so output matches input.
 */
export function collectInputs(paths: readonly string[], cwd: string): InputItem[] {
  const items: InputItem[] = [];
  const seen = new Set<string>();
  let found = 0;
  const add = (path: string) => {
    const key = resolve(cwd, path);
    found++;
    if (!seen.has(key)) {
      seen.add(key);
      items.push({ kind: 'file', path });
    }
  };
  const errors = {
    push: (error: InputError) => {
      items.push({ kind: 'error', ...error });
    },
  };
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(resolve(cwd, path));
    } catch (error) {
      errors.push({ path, input: 'unknown', message: describeFsError(error) });
      continue;
    }
    if (stat.isDirectory()) {
      const before = found;
      walk(path, cwd, new Set(), add, errors);
      if (found === before) {
        errors.push({ path, input: 'directory', message: `directory has no assembly or object files (${[...textExtensions, ...objectExtensions].join(' ')}, ELF executables)` });
      }
    } else if (stat.isFile()) {
      add(path);
    } else {
      errors.push({ path, input: 'unknown', message: 'not a regular file or directory' });
    }
  }
  return items;
}

function walk(dir: string, cwd: string, visited: Set<string>, add: (path: string) => void, errors: { push(error: InputError): void }): void {
  // Following symbolic links is useful (build trees link sources), but a link back up must not loop.
  let real: string;
  let entries;
  try {
    real = realpathSync(resolve(cwd, dir));
    entries = readdirSync(real, { withFileTypes: true });
  } catch (error) {
    errors.push({ path: dir, input: 'directory', message: describeFsError(error) });
    return;
  }
  if (visited.has(real)) return;
  visited.add(real);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(resolve(cwd, path));
        isDir = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue; // A dangling link in a tree is not the user's request; skip it quietly.
      }
    }
    if (isDir) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      walk(path, cwd, visited, add, errors);
    } else if (isFile && wantedInWalk(path, cwd)) {
      add(path);
    }
  }
}

function wantedInWalk(path: string, cwd: string): boolean {
  const ext = extname(path);
  if (textExtensions.includes(ext)) return true;
  if (!objectFilesSupported) return false;
  if (objectExtensions.includes(ext) || /\.so(\.\d+)+$/.test(path)) return true;
  // Executables have no extension; only their magic tells.
  if (ext !== '') return false;
  return readMagic(resolve(cwd, path)) === 'elf';
}

/**
 * True when the file at `path` (absolute) starts with the ELF or ar magic; reads 8 bytes only, so
 * the caller can send the file to a worker without reading it on the main thread.
 */
export function isObjectFile(path: string): boolean {
  return readMagic(path) !== undefined;
}

function readMagic(path: string): BinaryKind | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(8);
    return binaryKind(head.subarray(0, readSync(fd, head, 0, 8, 0)));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One input, read. */
export type LoadedInput =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'object'; readonly binary: BinaryKind; readonly bytes: Uint8Array }
  | { readonly kind: 'error'; readonly input: string; readonly message: string };

/**
 * Reads one file whole: objects are recognized by magic bytes, everything else must be text. A
 * file of zero bytes is valid (empty) text; content the core's `binaryContent` calls binary (the
 * rule the language server applies too) is refused. A file larger than `maxBytes` (by default
 * 64 MiB, far beyond any real compiler output of one unit) is refused; `check` reads an ELF
 * file by sections instead (`analyzeObjectPath`).
 */
export function loadInput(path: string, cwd: string, maxBytes: number): LoadedInput {
  const absolute = resolve(cwd, path);
  let bytes: Uint8Array;
  try {
    const stat = statSync(absolute);
    if (stat.isDirectory()) return { kind: 'error', input: 'directory', message: 'is a directory' };
    if (stat.size > maxBytes) {
      return { kind: 'error', input: 'unknown', message: `file is too large (${mebibytes(stat.size)}; the limit is ${mebibytes(maxBytes, true)}; see --max-file-size)` };
    }
    bytes = readFileSync(absolute);
  } catch (error) {
    return { kind: 'error', input: 'unknown', message: describeFsError(error) };
  }
  const kind = binaryKind(bytes);
  if (kind !== undefined) return { kind: 'object', binary: kind, bytes };
  // Non-UTF-8 bytes (Latin-1 comments in old sources) become U+FFFD rather than failing the file.
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const binary = binaryContent(text);
  if (binary !== undefined) return { kind: 'error', input: 'binary', message: `binary file that is neither assembly text, an ELF object nor an ar archive: ${binary}` };
  return { kind: 'text', text };
}
