/**
 * Finds the workspace's build output: a walk of each workspace folder that keeps the files whose
 * folder-relative path matches one of the `redzone.objectGlobs` patterns.
 *
 * The walk skips version-control and dependency folders (objects under `node_modules` are not the
 * user's build) and stops at a file limit, so a scan of a huge tree says "first N objects" instead
 * of running for minutes. Symbolic links are not followed: a link loop must not hang the server.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { globMatcher } from '../host/globs';

/** What the scan uses when `redzone.objectGlobs` is empty: relocatable objects, kernel modules and archives. */
export const defaultObjectGlobs: readonly string[] = ['**/*.o', '**/*.ko', '**/*.a'];

/** At most this many objects per scan. */
export const maxObjectFiles = 5000;

/** Folders a walk never enters. */
const skippedFolders = new Set(['.git', '.hg', '.svn', 'node_modules', '.cache', '.vscode-test']);

/** The result of a walk. */
export interface ObjectFileList {
  /** Absolute paths, in walk order (sorted per folder, so scans are reproducible). */
  readonly files: readonly string[];
  /** True when the walk stopped at `limit`. */
  readonly truncated: boolean;
}

/**
 * The files below `folder` that match `globs` (relative to the folder, `/`-separated; a glob
 * without a slash matches the base name in any directory). Never throws: unreadable folders are
 * skipped, invalid globs match nothing.
 */
export function findObjectFiles(folder: string, globs: readonly string[], limit = maxObjectFiles, isCancelled: () => boolean = () => false): ObjectFileList {
  const matchers = globs.map(globMatcher);
  const matches = (relative: string): boolean => matchers.some((match) => match(relative));
  const files: string[] = [];
  const pending: { dir: string; relative: string }[] = [{ dir: folder, relative: '' }];
  while (pending.length > 0) {
    if (files.length >= limit || isCancelled()) return { files, truncated: files.length >= limit };
    const { dir, relative } = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subfolders: { dir: string; relative: string }[] = [];
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) subfolders.push({ dir: join(dir, entry.name), relative: path });
      } else if (entry.isFile() && matches(path)) {
        files.push(join(dir, entry.name));
        if (files.length >= limit) return { files, truncated: true };
      }
    }
    // Depth first, in name order: the stack takes the subfolders reversed.
    pending.push(...subfolders.reverse());
  }
  return { files, truncated: false };
}
