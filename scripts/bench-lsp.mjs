// Editor benchmark over the protocol: the language server as an editor sees it.
// Spawns `dist/server.js --stdio`, opens a 100,000-line kernel-tagged `.s` (the first 100,000 lines
// of gcc -O2 -S of the SQLite amalgamation, as scripts/bench-text.mjs builds it), then measures
//   - the time from a one-line `didChange` to the `publishDiagnostics` of that version (median of 20),
//   - the hover latency on instructions of the file (median of 50),
//   - the server's memory (VmRSS and VmHWM from /proc/PID/status).
// Targets (README, "Performance"): under 50 ms, under 10 ms, under 200 MB. This prints; it is not a test.
// Usage: node scripts/bench-lsp.mjs [--lines N] [--edits N] [--hovers N]   (build dist/ first)

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  ExitNotification,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { parseArgs } from 'node:util';
import { amalgamationAsm } from './bench-input.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, edits: { type: 'string', default: '20' }, hovers: { type: 'string', default: '50' } } });
const lineCount = Number(values.lines);
const editCount = Number(values.edits);
const hoverCount = Number(values.hovers);
const server = join(root, 'dist', 'server.js');
if (!existsSync(server)) {
  console.error('dist/server.js does not exist; build it first with `node esbuild.mjs`.');
  process.exit(2);
}

// The input: a magic comment (so every red-zone access is reported) and the first N lines.
const source = readFileSync(amalgamationAsm(root), 'utf8').split('\n').slice(0, lineCount - 1);
const lines = ['# redzone: kernel', ...source];
const dir = mkdtempSync(join(tmpdir(), 'redzone-bench-lsp-'));
const file = join(dir, 'sqlite3-head.s');
writeFileSync(file, `${lines.join('\n')}\n`);
const uri = pathToFileURL(file).href;

// Instruction lines spread over the file: where the edits and the hovers go.
const instructionLines = [];
lines.forEach((line, index) => {
  if (/^\t(mov|add|sub|lea|cmp|test|push|pop)[a-z]*\t/.test(line)) instructionLines.push(index);
});
const spread = (count, salt) => Array.from({ length: count }, (_, k) => instructionLines[Math.floor(((k + salt / 7) * instructionLines.length) / count) % instructionLines.length]);

const child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = new Map();
let published = 0;
connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
  if (params.uri !== uri) return;
  published = params.diagnostics.length;
  const resolve = waiting.get(params.version);
  if (resolve) {
    waiting.delete(params.version);
    resolve(performance.now());
  }
});
connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({})));
connection.listen();
const diagnosticsOf = (version) => new Promise((resolve) => waiting.set(version, resolve));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const memory = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
};

try {
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    capabilities: { workspace: { configuration: true } },
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }],
  });
  await connection.sendNotification(InitializedNotification.type, {});

  const text = readFileSync(file, 'utf8');
  let version = 1;
  const openStart = performance.now();
  const opened = diagnosticsOf(version);
  await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'gas-x86', version, text } });
  const openMs = (await opened) - openStart;
  const openDiagnostics = published;

  // One-line edits, as typing produces them: an instruction line gets a different operand, one at a time.
  const editTimes = [];
  for (const line of spread(editCount, 1)) {
    const old = lines[line];
    const edited = old.replace(/\t([^\t]*)$/, (_, operands) => `\t${operands.replace(/\d+/, (n) => String(Number(n) + 8)) || operands}`);
    const changed = edited === old ? `${old} # edited` : edited;
    lines[line] = changed;
    version++;
    const fresh = diagnosticsOf(version);
    const start = performance.now();
    await connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: old.length } }, text: changed }],
    });
    editTimes.push((await fresh) - start);
  }

  const hoverTimes = [];
  let hovered = 0;
  for (const line of spread(hoverCount, 3)) {
    const start = performance.now();
    const result = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 2 } });
    hoverTimes.push(performance.now() - start);
    if (result !== null) hovered++;
  }
  const { rss, peak } = memory();

  const ms = (value) => `${value.toFixed(1)} ms`;
  const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
  console.log(`
editor benchmark over the protocol: ${lines.length} lines (${(text.length / 1e6).toFixed(1)} MB), kernel-tagged, dist/server.js --stdio
  open -> first diagnostics          ${ms(openMs)}  (${openDiagnostics} diagnostics)
  one-line edit -> fresh diagnostics median ${ms(median(editTimes))}  best ${ms(Math.min(...editTimes))}  worst ${ms(Math.max(...editTimes))}  (${editCount} edits)  target < 50 ms: ${verdict(median(editTimes) < 50)}
  hover                              median ${ms(median(hoverTimes))}  best ${ms(Math.min(...hoverTimes))}  worst ${ms(Math.max(...hoverTimes))}  (${hoverCount} hovers, ${hovered} with a frame)  target < 10 ms: ${verdict(median(hoverTimes) < 10)}
  server memory                      RSS ${rss.toFixed(0)} MB  (peak ${peak.toFixed(0)} MB)  target < 200 MB: ${verdict(rss < 200)}
`);
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
} finally {
  connection.dispose();
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
