// Lists files under a folder whose names end with a suffix; shared by the build and the test runners.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files under `dir` (recursively) whose names end with `suffix`; none when `dir` is missing. */
export function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findFiles(path, suffix));
    else if (name.endsWith(suffix)) found.push(path);
  }
  return found;
}
