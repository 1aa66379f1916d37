/**
 * URIs and file paths: the server analyzes documents by URI, but the kernel evidence, the build
 * files and compile_commands.json live on disk. Only `file:` URIs have a path; other schemes
 * (`untitled:`, remote file systems) are still analyzed, just without the on-disk evidence.
 */
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file system path of a `file:` URI, or undefined for every other scheme and for malformed URIs. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The `file:` URI of an absolute path. */
export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** The workspace folder that holds `path` (the deepest one), or the file's own directory. */
export function folderOf(path: string, folders: readonly string[]): string {
  let best: string | undefined;
  for (const folder of folders) {
    if (isInside(folder, path) && (best === undefined || folder.length > best.length)) best = folder;
  }
  return best ?? dirname(path);
}

/** True when `path` is `folder` or lies below it. */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** `path` relative to `from`, `/`-separated (for build files, which always use `/`). */
export function slashRelative(from: string, path: string): string {
  return relative(from, path).split(sep).join('/');
}
