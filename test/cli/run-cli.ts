/**
 * Helpers for the CLI tests: run the built `dist/cli.js` as a child process, the way users and
 * CI run it, and find the fixtures. `npm test` builds dist/ before any test runs.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root: the nearest ancestor of this bundle with a package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const root = repoRoot();
export const cliPath = join(root, 'dist', 'cli.js');
export const fixtures = join(root, 'test', 'fixtures', 'cli');

/** What one run printed and returned. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli.js ...args` in `cwd` (default: the CLI fixtures). */
export function runCli(args: readonly string[], cwd: string = fixtures): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REDZONE_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Parses stdout as JSON, with the output in the error message when it is not JSON. */
export function parseJson(result: CliResult): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not JSON:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'redzone-cli-'));
}

/** A copy of the `tree` fixture plus the directories the walk must skip (git cannot hold node_modules). */
export function treeCopy(): string {
  const dir = tempDir();
  cpSync(join(fixtures, 'tree'), join(dir, 'tree'), { recursive: true });
  for (const skipped of ['node_modules/pkg', '.hidden']) {
    mkdirSync(join(dir, 'tree', skipped), { recursive: true });
    writeFileSync(join(dir, 'tree', skipped, 'skipped.s'), 'skipped:\n\tret\n');
  }
  return dir;
}

/** True when stderr holds a JavaScript stack trace. */
export function hasStackTrace(stderr: string): boolean {
  return /^\s{4}at /m.test(stderr);
}

