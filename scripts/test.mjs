// The README's test command: type-check, build the bundles and the tests, run node's test runner.
// Usage: node scripts/test.mjs [substring-filter]
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { findFiles } from './find-files.mjs';
import { join } from 'node:path';
import { ensureRequirements } from './requirements.mjs';

const filter = process.argv[2] ?? '';
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
// Compilers and binutils first: installed as root with apt-get, or the one command that would, at once.
ensureRequirements();
// REDZONE_SKIP_TYPECHECK=1 skips tsc for a quick local run; CI always type-checks.
if (process.env.REDZONE_SKIP_TYPECHECK !== '1' || process.env.CI) {
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'server/src/core/tsconfig.json']);
}
rmSync('out', { recursive: true, force: true });
run(process.execPath, ['esbuild.mjs', '--tests']);
// Heavy real-editor tests are run separately by .ci/run (test/e2e), not here.
const files = findFiles('out/test', '.test.js')
  .filter((file) => !file.includes(`${join('out', 'test', 'e2e')}`))
  .filter((file) => file.includes(filter))
  .sort();
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
