// Builds the three bundles (client, server, CLI) and, with --tests, one bundle per test file.
// Usage: node esbuild.mjs [--tests] [--production] [--watch]
import * as esbuild from 'esbuild';
import { existsSync, copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { findFiles } from './scripts/find-files.mjs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  // The worker threads of `check --jobs N` for object files.
  { entryPoints: ['server/src/host/objects-worker.ts'], outfile: 'dist/objects-worker.js' },
].filter((entry) => existsSync(entry.entryPoints[0]));

const builds = entries.map((entry) => esbuild.build({ ...common, ...entry }));

if (args.has('--tests')) {
  const tests = findFiles('test', '.test.ts');
  if (tests.length > 0) {
    builds.push(
      esbuild.build({
        ...common,
        entryPoints: tests,
        outdir: 'out',
        outbase: '.',
        packages: 'external',
        sourcemap: 'inline',
      }),
    );
  }
}
await Promise.all(builds);
// The bins run directly (`npx redzone-lint`), so they must be executable.
for (const bin of ['dist/cli.js', 'dist/server.js']) if (existsSync(bin)) chmodSync(bin, 0o755);

// The decoders' wasm must sit beside the server, CLI and worker bundles: capstone's is passed to it
// by host/capstone.ts, and iced-x86's loader reads `iced_x86_bg.wasm` from its own `__dirname`,
// which in a bundle is dist/.
for (const [wasm, name] of [
  ['node_modules/capstone-wasm/dist/capstone.wasm', 'capstone.wasm'],
  ['node_modules/iced-x86/iced_x86_bg.wasm', 'iced_x86_bg.wasm'],
]) {
  if (!existsSync(wasm)) continue;
  mkdirSync('dist', { recursive: true });
  copyFileSync(wasm, `dist/${name}`);
}
