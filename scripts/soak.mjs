// The soak of the language server, shared by scripts/soak-lsp.mjs (full size, prints) and
// test/lsp/soak.test.ts (bounded, in the main suite): open a document, send a burst of seeded
// random edits without pause, a hover and a code action every `every` edits (not awaited), then
// wait for the diagnostics of the final version.
import { readFileSync } from 'node:fs';
import {
  CodeActionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

/** A small seeded generator (mulberry32), so a run can be repeated exactly. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ['%rsp', '-8(%rbp)', '$42', 'push %rax', 'call f', '\n', '\n\tmovq %rax, -16(%rsp)\n', ',', ' ', 'x', '(', ')', '#', '\t', '\u0000', '\u0007', '.L1:', 'ret\n'];

/**
 * One random edit of `lines` (changed in place): insert a piece, delete a few characters, replace a
 * line, or delete a line; returns the LSP content change.
 */
export function randomEdit(lines, next) {
  const line = Math.floor(next() * lines.length);
  const text = lines[line];
  const kind = next();
  const at = Math.floor(next() * (text.length + 1));
  let change;
  if (kind < 0.45) {
    const piece = pieces[Math.floor(next() * pieces.length)];
    change = { range: { start: { line, character: at }, end: { line, character: at } }, text: piece };
  } else if (kind < 0.75) {
    const end = Math.min(text.length, at + 1 + Math.floor(next() * 6));
    change = { range: { start: { line, character: at }, end: { line, character: end } }, text: '' };
  } else if (kind < 0.92) {
    change = { range: { start: { line, character: 0 }, end: { line, character: text.length } }, text: `\tmovl\t%edi, -${4 * (1 + Math.floor(next() * 32))}(%rsp)` };
  } else if (line + 1 < lines.length) {
    change = { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' };
  } else {
    change = { range: { start: { line, character: 0 }, end: { line, character: text.length } }, text: '' };
  }
  applyChange(lines, change);
  return change;
}

function applyChange(lines, change) {
  const { start, end } = change.range;
  const before = lines[start.line].slice(0, start.character);
  const after = lines[end.line].slice(end.character);
  const inserted = `${before}${change.text}${after}`.split('\n');
  lines.splice(start.line, end.line - start.line + 1, ...inserted);
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, median: at(0.5), p95: at(0.95), worst: sorted[sorted.length - 1] ?? 0 };
}

function memory(pid) {
  if (pid === undefined) return { rss: 0, peak: 0 };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/**
 * Runs the soak against a server reachable through `input`/`output` (a child's stdout/stdin); `pid`
 * is the server's process, for its memory; the server is asked to exit at the end. Resolves with what it measured.
 */
export async function runSoak({ input, output, pid, uri, text, edits, every, seed, settings = {} }) {
  const connection = createProtocolConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const publications = [];
  const waiters = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    if (params.uri !== uri) return;
    publications.push({ version: params.version, count: params.diagnostics.length, at: performance.now() });
    for (const wake of waiters.splice(0)) wake();
  });
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => settings));
  connection.listen();
  try {
    await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true } }, workspaceFolders: null });
    await connection.sendNotification(InitializedNotification.type, {});
    const lines = text.split('\n');
    const published = (version) =>
      new Promise((resolve) => {
        const check = () => {
          const found = publications.find((p) => p.version === version);
          if (found) resolve(found);
          else waiters.push(check);
        };
        check();
      });
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'gas-x86', version: 1, text } });
    await published(1);
    const next = random(seed);
    const hoverTimes = [];
    const actionTimes = [];
    const pending = [];
    let version = 1;
    let lastSent = 0;
    for (let k = 0; k < edits; k++) {
      const change = randomEdit(lines, next);
      version++;
      void connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
      lastSent = performance.now();
      if (k % every === every - 1) {
        const line = Math.floor(next() * lines.length);
        const position = { line, character: 2 };
        const hoverStart = performance.now();
        pending.push(connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }).then(() => hoverTimes.push(performance.now() - hoverStart)));
        const actionStart = performance.now();
        const range = { start: position, end: position };
        pending.push(connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics: [] } }).then(() => actionTimes.push(performance.now() - actionStart)));
      }
      // Let the writer flush now and then, as a client's event loop would; nothing is awaited from the server.
      if (k % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    const final = await published(version);
    await Promise.all(pending);
    const { rss, peak } = memory(pid);
    const result = {
      edits,
      finalVersion: version,
      finalMs: final.at - lastSent,
      finalDiagnostics: final.count,
      finalText: lines.join('\n'),
      hovers: summary(hoverTimes),
      actions: summary(actionTimes),
      stalePublications: publications.filter((p) => p.version > 1 && p.version < version).length,
      publishedVersions: publications.map((p) => p.version),
      rssMb: rss,
      peakMb: peak,
    };
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    return result;
  } finally {
    connection.dispose();
  }
}
