// Runs the real-editor tests in test/e2e (Neovim; VS Code through code-server), after the main suite.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

execFileSync(process.execPath, ['esbuild.mjs', '--tests'], { stdio: 'inherit' });
const dir = join('out', 'test', 'e2e');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js')).map((f) => join(dir, f)).sort() : [];
if (files.length === 0) {
  console.log('no real-editor tests');
  process.exit(0);
}
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
