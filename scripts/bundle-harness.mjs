// Bundles a benchmark or profile harness, TypeScript source that imports the repository's own
// modules, into one CommonJS file in a fresh temporary directory, so the scripts run the same code
// as the CLI without a build step of their own. Returns the file's path; the caller may remove
// its directory once the harness is loaded (or keep it while a child process runs it).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function bundleHarness(root, source, name) {
  const outfile = join(mkdtempSync(join(tmpdir(), `${name}-`)), `${name}.cjs`);
  await esbuild.build({ stdin: { contents: source, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' });
  // iced-x86's loader reads its wasm from beside the bundle, as in dist/ (`npm run build` copies it there).
  const iced = join(root, 'dist', 'iced_x86_bg.wasm');
  if (existsSync(iced)) copyFileSync(iced, join(outfile, '..', 'iced_x86_bg.wasm'));
  return outfile;
}
