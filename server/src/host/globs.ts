/**
 * Glob matching for settings (`redzone.kernelGlobs`, `redzone.userGlobs`, `redzone.objectGlobs`):
 * one rule for every setting that takes globs.
 */
import picomatch from 'picomatch';

const matcherCache = new Map<string, (path: string) => boolean>();

/**
 * The matcher of one glob over `/`-separated relative (or absolute) paths, compiled once and
 * cached: the language server asks on every change. A glob without a slash (`*.S`) matches the
 * base name in any directory, the way users expect from a setting; this is done by hand, because
 * picomatch's own `basename` option stops `a/**` from matching. A glob picomatch cannot compile
 * matches nothing rather than failing the caller.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  let match = matcherCache.get(glob);
  if (match === undefined) {
    try {
      const compiled = picomatch(glob, { dot: true });
      match = glob.includes('/') ? compiled : (path: string) => compiled(path.slice(path.lastIndexOf('/') + 1));
    } catch {
      match = () => false;
    }
    // Settings hold a handful of globs; the bound only guards against a caller that makes them up.
    if (matcherCache.size < 1024) matcherCache.set(glob, match);
  }
  return match;
}
