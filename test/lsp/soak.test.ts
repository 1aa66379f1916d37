/**
 * A bounded soak of the language server (issue 11 item 24; `scripts/soak-lsp.mjs` runs the full
 * size and prints the times): a kernel-tagged file of real gcc output, a burst of seeded random
 * edits sent without pause (control bytes and broken lines included), a hover and a code action
 * every 10 edits. What must hold, whatever the machine's speed:
 *   - the diagnostics of the final version arrive and equal a fresh analysis of the final text;
 *   - hovers and code actions run no analysis of their own (they are answered from what is known),
 *     and every one of them is answered;
 *   - versions a later edit replaced are not analyzed one by one.
 *
 * The server runs in a child process over stdio, as editors start it, so that the `exit`
 * notification ends it (a server in the test's own process kept the process alive). The child is
 * this same file run with `REDZONE_SOAK_SERVER=1`: the server's own `startServer` with an engine
 * that counts its analyses and writes the count to stderr when the process exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'vscode-languageserver/node';
import { analyzeText } from '../../server/src/core/index';
import { coreEngine, type Engine } from '../../server/src/lsp/analysis';
import { startServer } from '../../server/src/lsp/server';
// @ts-expect-error: a plain .mjs script without types, shared with scripts/soak-lsp.mjs.
import { runSoak } from '../../scripts/soak.mjs';

const serverRole = 'REDZONE_SOAK_SERVER';
const analysesLine = /^soak analyses: (\d+)$/m;

if (process.env[serverRole] === '1') serveOverStdio();
else defineTest();

/** The child: the language server over stdio, counting the analyses its engine runs. */
function serveOverStdio(): void {
  let analyses = 0;
  const engine: Engine = {
    ...coreEngine,
    analyzeText: (...args) => {
      analyses++;
      return coreEngine.analyzeText(...args);
    },
  };
  process.on('exit', () => process.stderr.write(`soak analyses: ${analyses}\n`));
  startServer(createConnection(process.stdin, process.stdout), { engine, debounceMs: 10 });
}

/** gcc -O0 output of a few C functions, repeated under new names to `lines` lines, tagged kernel. */
function bigKernelAsm(lines: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-soak-'));
  try {
    const c = `int irq_vector_to_line(int v) { volatile int line = 42 + v; return line * 2; }
long sum3(long a, long b, long c) { long s = a + b; s += c; return s; }
void fill(char *p, int n) { char buf[64]; for (int i = 0; i < n && i < 64; i++) buf[i] = (char)i; for (int i = 0; i < n && i < 64; i++) p[i] = buf[i]; }
`;
    writeFileSync(join(dir, 'unit.c'), c);
    execFileSync('gcc', ['-O0', '-S', '-o', 'unit.s', 'unit.c'], { cwd: dir });
    const unit = readFileSync(join(dir, 'unit.s'), 'utf8').split('\n').filter((line) => !/^\s*\.(file|ident|section\s+\.note)/.test(line));
    const out = ['# redzone: kernel', '\t.text'];
    for (let copy = 0; out.length < lines; copy++) {
      for (const line of unit) out.push(line.replace(/\b(irq_vector_to_line|sum3|fill)\b/g, `$1_${copy}`).replace(/\.(LFB|LFE|L)(\d+)\b/g, `.$1${copy}_$2`));
    }
    return `${out.join('\n')}\n`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function defineTest(): void {
  const haveGcc = spawnSync('gcc', ['--version']).status === 0;
  test('soak: a burst of random edits, hovers and code actions on 20,000 lines of gcc output', { skip: !haveGcc && 'gcc is missing', timeout: 300_000 }, async () => {
    const text = bigKernelAsm(20_000);
    // The child must not take itself for a test file of this run.
    const env: NodeJS.ProcessEnv = { ...process.env, [serverRole]: '1' };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--enable-source-maps', __filename], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const edits = 300;
      const result = await runSoak({ input: child.stdout, output: child.stdin, pid: child.pid, uri: 'file:///soak/kernel.s', text, edits, every: 10, seed: 7 });
      assert.equal(await exited, 0, `the server exits after shutdown and exit: ${stderr}`);
      const analyses = Number(analysesLine.exec(stderr)?.[1] ?? NaN);

      const fresh = analyzeText(result.finalText, {});
      assert.equal(result.finalDiagnostics, Math.min(fresh.findings.length, 2001), 'the final diagnostics are those of the final text');
      assert.equal(result.hovers.count, edits / 10, 'every hover was answered');
      assert.equal(result.actions.count, edits / 10, 'every code action was answered');
      // Hovers and code actions ran no analysis: every analysis is a publication (the open, the final
      // version, and the versions the debounce let through when the loop was busy). One analysis per
      // edit or per hover is the pattern that made the final diagnostics arrive 28.9 s late.
      assert.ok(analyses <= 2 + result.stalePublications, `${analyses} analyses for ${result.stalePublications} published replaced versions (${stderr})`);
      assert.ok(result.stalePublications < edits / 2, `versions analyzed in the burst: ${JSON.stringify(result.publishedVersions)}`);
    } finally {
      child.kill();
    }
  });
}
