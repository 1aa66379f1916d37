/**
 * Finds the build files that govern a file: walking up from its directory (and from the
 * directory of its compile_commands.json entry), the nearest Makefile or Kbuild, CMakeLists.txt,
 * meson.build with `project()`, compile_flags.txt, `.cargo/config.toml` and build.zig.
 *
 * This is the IO half of the "Add -mno-red-zone" fix; the edits themselves are pure functions in
 * `core/fixes`. Makefiles in a CMake build directory (one with CMakeCache.txt) are generated and
 * would be overwritten, so they are never offered.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildFileKind, type BuildFileKind } from '../core/fixes/index';
import { loadCompileCommands, findCompileCommands, matchCompileCommand } from '../host/compile-commands';
import { isInside } from './paths';

/** A build file that could take the flag. */
export interface BuildFile {
  readonly path: string;
  readonly kind: BuildFileKind;
}

/** Where to look. */
export interface BuildFileQuery {
  /** The analyzed file. */
  readonly path: string;
  /** Workspace folders; the walk stops at the folder holding the file (or at the file system root). */
  readonly folders: readonly string[];
  /** `redzone.compileCommands`, absolute or relative to the folder; empty to search. */
  readonly compileCommands: string;
  /** The folder `compileCommands` is relative to. */
  readonly root: string;
}

/** Build files bigger than this are not edited (nobody hand-writes a 2 MB Makefile). */
const maxBuildFileSize = 2 * 1024 * 1024;
/** How many directories the walk climbs at most. */
const maxDepth = 24;

const makeNames = ['Kbuild', 'GNUmakefile', 'Makefile', 'makefile'];
const otherNames = ['CMakeLists.txt', 'meson.build', 'compile_flags.txt', 'build.zig', '.cargo/config.toml', '.cargo/config'];

/** The governing build files, nearest first, at most one per kind (plus `*.mk` files that set the flags). Never throws. */
export function findBuildFiles(query: BuildFileQuery): BuildFile[] {
  const starts = [dirname(query.path)];
  const entryDirectory = compileEntryDirectory(query);
  if (entryDirectory !== undefined) starts.push(...entryDirectory);
  const found: BuildFile[] = [];
  const seenKinds = new Set<BuildFileKind>();
  for (const start of starts) {
    const stop = query.folders.filter((folder) => isInside(folder, start)).sort((a, b) => b.length - a.length)[0];
    let dir = start;
    for (let depth = 0; depth < maxDepth; depth++) {
      visit(dir, found, seenKinds);
      if (stop !== undefined && dir === stop) break;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return found;
}

/** Reads a build file's text, or undefined when it is missing, unreadable or too big. */
export function readBuildFile(path: string): string | undefined {
  try {
    if (statSync(path).size > maxBuildFileSize) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function visit(dir: string, found: BuildFile[], seenKinds: Set<BuildFileKind>): void {
  let names: Set<string>;
  try {
    names = new Set(readdirSync(dir));
  } catch {
    return;
  }
  const generated = names.has('CMakeCache.txt');
  if (!seenKinds.has('make') && !generated) {
    const main = makeNames.find((name) => names.has(name) && isFile(join(dir, name)));
    if (main !== undefined) {
      seenKinds.add('make');
      found.push({ path: join(dir, main), kind: 'make' });
      for (const name of [...names].filter((candidate) => candidate.endsWith('.mk')).sort()) {
        const text = readBuildFile(join(dir, name)) ?? '';
        if (/^\s*(?:export\s+|override\s+)*(CFLAGS|KCFLAGS|ccflags-y)\s*[+:?]?=/m.test(text)) found.push({ path: join(dir, name), kind: 'make' });
      }
    }
  }
  for (const name of otherNames) {
    const [first] = name.split('/');
    if (!names.has(first)) continue;
    const path = join(dir, name);
    const kind = buildFileKind(path);
    if (kind === undefined || seenKinds.has(kind) || !isFile(path)) continue;
    // Only the top-level meson.build may call add_project_arguments(): it is the one with project().
    if (kind === 'meson' && !/^\s*project\s*\(/m.test(readBuildFile(path) ?? '')) continue;
    seenKinds.add(kind);
    found.push({ path, kind });
  }
}

/** The directories of the compile_commands.json entry for the file: where it was built and where its source lies. */
function compileEntryDirectory(query: BuildFileQuery): string[] | undefined {
  try {
    const database = query.compileCommands !== '' ? resolve(query.root, query.compileCommands) : findCompileCommands(query.path);
    if (database === undefined) return undefined;
    const loaded = loadCompileCommands(database);
    if (!loaded.ok) return undefined;
    const match = matchCompileCommand(loaded.database, query.path);
    return match === undefined ? undefined : [dirname(match.entry.file), match.entry.directory];
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
