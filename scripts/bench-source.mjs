// Compile-on-save benchmark over the protocol: how long from saving a 2,000-line C file to its
// diagnostics, against the compiler's own `-S` of the same file with the same flags, in one run.
// The file is lz4frame.c (2,165 lines, real C from the pinned lmdb npm package the oracle uses),
// built at -O2 as kernel code (-mcmodel=kernel -D__KERNEL__) through a compile_commands.json.
// Spawns `dist/server.js --stdio` with a trusted workspace, opens the file, then saves it N
// times, waiting for each save's diagnostics. Target: at most 1.5 times the compiler's -S time.
// This prints; it is not a test. Usage: node scripts/bench-source.mjs [--runs N] [--cc gcc|clang]

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { ORACLE_PACKAGES, fetchPackage } from '../test/oracle/sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, cc: { type: 'string', default: 'gcc' } } });
const runs = Number(values.runs);
const cc = values.cc;
const server = join(root, 'dist', 'server.js');
if (!existsSync(server)) {
  console.error('dist/server.js does not exist; build it first with `node esbuild.mjs`.');
  process.exit(2);
}

const lmdb = ORACLE_PACKAGES.find((pkg) => pkg.pkg === 'lmdb');
const unit = lmdb.units.find((candidate) => candidate.name === 'lz4-lz4frame');
const packageDir = fetchPackage(join(root, '.cache', 'oracle'), lmdb);
const file = join(packageDir, unit.file);
const flags = ['-O2', '-ffreestanding', '-fno-pic', '-mcmodel=kernel', '-D__KERNEL__', '-fno-stack-protector', '-w', ...unit.flags];
const work = mkdtempSync(join(tmpdir(), 'redzone-bench-source-'));
const database = join(work, 'compile_commands.json');
writeFileSync(database, JSON.stringify([{ directory: packageDir, file: unit.file, arguments: [cc, ...flags, '-c', '-o', join(work, 'lz4frame.o'), unit.file] }]));

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// The reference: the compiler's own -S with the entry's flags, nothing added.
const reference = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  execFileSync(cc, [...flags, '-S', '-o', join(work, 'reference.s'), unit.file], { cwd: packageDir, stdio: 'ignore' });
  reference.push(performance.now() - start);
}

const uri = pathToFileURL(file).href;
const child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
let waiter;
let lastCount = 0;
connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
  if (params.uri !== uri) return;
  lastCount = params.diagnostics.length;
  waiter?.(performance.now());
  waiter = undefined;
});
connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({ compileCommands: database })));
connection.listen();
const published = () => new Promise((resolve) => (waiter = resolve));

await connection.sendRequest(InitializeRequest.type, {
  processId: process.pid,
  rootUri: pathToFileURL(packageDir).href,
  capabilities: { workspace: { configuration: true } },
  workspaceFolders: [{ uri: pathToFileURL(packageDir).href, name: 'lmdb' }],
  initializationOptions: { workspaceTrusted: true },
});
await connection.sendNotification(InitializedNotification.type, {});
const opened = published();
await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
await opened;

const saves = [];
for (let i = 0; i < runs; i++) {
  const next = published();
  const start = performance.now();
  await connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  saves.push((await next) - start);
}
await connection.sendRequest(ShutdownRequest.type);
await connection.sendNotification(ExitNotification.type);
connection.dispose();
child.kill();
rmSync(work, { recursive: true, force: true });

const lines = readFileSync(file, 'utf8').split('\n').length;
const ours = median(saves);
const theirs = median(reference);
console.log(`input: ${unit.file} (${lines} lines), ${cc} ${flags.join(' ')}`);
console.log(`compiler -S alone: median ${theirs.toFixed(0)} ms of ${runs} (${reference.map((t) => t.toFixed(0)).join(', ')})`);
console.log(`save to diagnostics: median ${ours.toFixed(0)} ms of ${runs} (${saves.map((t) => t.toFixed(0)).join(', ')}); ${lastCount} diagnostics`);
console.log(`  of which the server's save debounce: 50 ms`);
console.log(`ratio (save to diagnostics / compiler -S): ${(ours / theirs).toFixed(2)}  (target <= 1.5)`);
console.log(`load average: ${loadavg().map((value) => value.toFixed(2)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores`);
