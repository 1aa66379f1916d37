/**
 * The formatters, in process, on a hand-made report: they must get positions, keys and SARIF
 * shape right before the engine produces a single finding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding, FrameLayout, Report } from '../../server/src/core/index';
import type { CheckRun } from '../../server/src/cli/check';
import { exitCodeOf } from '../../server/src/cli/check';
import { formatJson } from '../../server/src/cli/format-json';
import { formatLayout } from '../../server/src/cli/format-layout';
import { formatSarif } from '../../server/src/cli/format-sarif';
import { formatText, sourceExcerpt } from '../../server/src/cli/format-text';
import { LineIndex, rangeOf } from '../../server/src/cli/line-index';
import { locateFindings } from '../../server/src/cli/locate';

const text = '# redzone: kernel\nleaf:\r\n\tpushq\t%rbp\n\tmovq\t%rsp, %rbp\n\tmovl\t%edi, -20(%rbp)\n\tret\n';
const storeStart = text.indexOf('movl');
const storeEnd = text.indexOf(')', storeStart) + 1;
const kernelReason = 'line 1 has the magic comment `redzone: kernel`.';

const store: Finding = {
  code: 'red-zone-store',
  severity: 'warning',
  message: 'stores 4 bytes at RSP-20, below the stack pointer',
  function: 'leaf',
  line: 4,
  span: { start: storeStart, end: storeEnd },
  kind: 'store',
  offset: -20,
  size: 4,
  kernelReason,
  source: { path: 'leaf.c', line: 3 },
  related: [{ line: 2, span: { start: text.indexOf('pushq'), end: text.indexOf('pushq') + 10 }, message: 'the frame is set up here: `push %rbp`' }],
};
const unknown: Finding = {
  ...store,
  code: 'stack-unknown',
  severity: 'information',
  message: 'the stack pointer is unknown after this instruction',
  line: 5,
  span: { start: text.indexOf('ret'), end: text.indexOf('ret') + 3 },
  kind: undefined,
  offset: undefined,
  size: undefined,
  source: undefined,
  related: [],
};
const report: Report = {
  input: 'att',
  inputReason: 'test',
  kernel: { kernel: true, reason: kernelReason },
  abi: 'sysv',
  functions: [{ name: 'leaf', startLine: 1, endLine: 5, span: { start: 0, end: text.length }, frameSize: 0, redZoneBytes: 20, stackUnknown: false, findingCount: 2 }],
  findings: [unknown, store],
  problems: [],
};
const run: CheckRun = {
  files: [
    { path: 'dir/leaf.s', input: 'att', kernel: true, functions: 1, error: undefined, report, text },
    { path: 'gone.s', input: 'unknown', kernel: false, functions: 0, error: 'no such file or directory', report: undefined, text: undefined },
  ],
  notices: [],
  elapsedMs: 3.14159,
};

describe('line index', () => {
  test('1-based positions, CRLF line ends and clamping', () => {
    const index = new LineIndex(text);
    assert.deepEqual(index.positionAt(0), { line: 1, column: 1 });
    assert.deepEqual(index.positionAt(storeStart), { line: 5, column: 2 });
    assert.equal(index.lineText(1), 'leaf:');
    assert.deepEqual(index.positionAt(1e9), { line: 7, column: 1 });
    assert.deepEqual(index.positionAt(-5), { line: 1, column: 1 });
  });

  test('a span off its finding line falls back to the whole line', () => {
    const index = new LineIndex(text);
    assert.deepEqual(rangeOf(index, 1, { start: 0, end: 3 }), { line: 2, column: 1, endLine: 2, endColumn: 6 });
  });
});

describe('json', () => {
  test('findings are sorted by position and shaped exactly as the contract says', () => {
    const doc = JSON.parse(formatJson(run, locateFindings(run)));
    assert.deepEqual(Object.keys(doc), ['version', 'findings', 'files', 'stats']);
    const [first, second] = doc.findings;
    assert.deepEqual(first, {
      path: 'dir/leaf.s',
      line: 5,
      column: 2,
      endLine: 5,
      endColumn: 2 + (storeEnd - storeStart),
      function: 'leaf',
      code: 'red-zone-store',
      severity: 'warning',
      kind: 'store',
      offset: -20,
      size: 4,
      message: store.message,
      kernelReason,
      source: { path: 'leaf.c', line: 3 },
    });
    assert.equal(second.code, 'stack-unknown');
    assert.equal(second.kind, null);
    assert.equal(second.offset, null);
    assert.ok(!('source' in second));
    assert.deepEqual(doc.files[1], { path: 'gone.s', input: 'unknown', kernel: false, functions: 0, problems: [], error: 'no such file or directory' });
    assert.equal(doc.stats.byCode['red-zone-store'], 1);
    assert.equal(doc.stats.functions, 1);
    assert.equal(doc.stats.elapsedMs, 3.1);
  });
});

describe('text', () => {
  test('gcc-style lines, source excerpt with tabs expanded, notes and summary', () => {
    const output = formatText(run, locateFindings(run));
    const lines = output.split('\n');
    const at = lines.indexOf('dir/leaf.s:5:2: warning: stores 4 bytes at RSP-20, below the stack pointer [red-zone-store]');
    assert.ok(at >= 0, output);
    assert.equal(lines[at + 1], ' 5 |         movl    %edi, -20(%rbp)');
    assert.equal(lines[at + 2], '   |         ^~~~~~~~~~~~~~~~~~~~~~~');
    assert.equal(lines[at + 3], 'dir/leaf.s:3:2: note: the frame is set up here: `push %rbp`');
    assert.equal(lines[at + 4], `dir/leaf.s:5:2: note: kernel code: ${kernelReason}`);
    assert.equal(lines[at + 5], 'dir/leaf.s:5:2: note: from leaf.c:3');
    assert.match(output, /dir\/leaf\.s:6:2: info: .* \[stack-unknown\]/);
    assert.match(output, /2 findings \(0 errors, 1 warning, 1 info\) in 1 file \(1 function\); 1 input could not be analyzed\.\n$/);
  });

  test('the underline covers at least one column, even for an empty span', () => {
    assert.deepEqual(sourceExcerpt('ret', { line: 9, column: 1, endLine: 9, endColumn: 1 }), [' 9 | ret', '   | ^']);
  });
});

describe('sarif', () => {
  test('results point at the relative path with a region, related locations and a rule index', () => {
    const log = JSON.parse(formatSarif(run, locateFindings(run), { version: '9.9.9', cwd: '/work/project' }));
    const results = log.runs[0].results;
    assert.equal(results.length, 2);
    const result = results[0];
    assert.equal(result.ruleId, 'red-zone-store');
    assert.equal(log.runs[0].tool.driver.rules[result.ruleIndex].id, 'red-zone-store');
    assert.equal(result.level, 'warning');
    assert.equal(typeof result.message.text, 'string');
    assert.deepEqual(result.locations[0].physicalLocation.artifactLocation, { uri: 'dir/leaf.s', uriBaseId: '%SRCROOT%' });
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 5, startColumn: 2, endLine: 5, endColumn: 2 + (storeEnd - storeStart) });
    assert.equal(result.relatedLocations[0].physicalLocation.region.startLine, 3);
    assert.equal(result.relatedLocations[1].physicalLocation.artifactLocation.uri, 'leaf.c');
    assert.equal(results[1].level, 'note');
    assert.equal(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri, 'file:///work/project/');
    assert.equal(log.runs[0].tool.driver.version, '9.9.9');
  });
});

describe('exit code', () => {
  test('2 beats 1, 1 needs a warning or an error', () => {
    assert.equal(exitCodeOf(run), 2);
    const good = { ...run, files: [run.files[0]!] };
    assert.equal(exitCodeOf(good), 1);
    const infoOnly = { ...good, files: [{ ...run.files[0]!, report: { ...report, findings: [unknown] } }] };
    assert.equal(exitCodeOf(infoOnly), 0);
  });
});

describe('layout', () => {
  const layout: FrameLayout = {
    function: 'leaf',
    line: 4,
    instruction: 'movl %edi, -20(%rbp)',
    rspFromEntry: -8,
    rbpFromRsp: 0,
    rows: [
      { from: 8, to: 16, kind: 'argument', label: 'caller frame', writtenAt: [], readAt: [] },
      { from: 0, to: 8, kind: 'return-address', label: 'return address', writtenAt: [], readAt: [] },
      { from: -8, to: 0, kind: 'saved-register', label: 'saved %rbp', writtenAt: [2], readAt: [6] },
      { from: -20, to: -16, kind: 'red-zone', label: 'red zone', writtenAt: [4], readAt: [7, 8, 9, 10, 11] },
      { from: -64, to: -60, kind: 'red-zone', label: 'red zone', writtenAt: [], readAt: [] },
    ],
    interruptFrame: { from: -56, to: 0 },
    redZoneSize: 128,
    kernel: { kernel: true, reason: kernelReason },
    findings: [store],
    unknownReason: undefined,
  };

  test('rows from the top, markers between them, 1-based lines and the interrupt column', () => {
    const output = formatLayout(layout, 'leaf.s');
    const lines = output.split('\n');
    assert.equal(lines[0], 'leaf at leaf.s:5: movl %edi, -20(%rbp)');
    assert.match(output, /RSP = entry RSP - 8; RBP = RSP\n/);
    const marker = lines.findIndex((line) => line.includes('---- RSP, RBP ----'));
    const saved = lines.findIndex((line) => line.includes('saved %rbp'));
    const returnAddress = lines.findIndex((line) => line.includes('return address'));
    assert.ok(returnAddress < marker && marker < saved, output);
    assert.match(lines[saved]!, /\[RSP-8, RSP\)\s+8\s+saved %rbp\s+3\s+7\s+overwritten/);
    assert.match(output, /\[RSP-20, RSP-16\)\s+4\s+red zone\s+5\s+8, 9, 10, 11 \+1\s+overwritten/);
    const interrupt = lines.findIndex((line) => line.includes('RSP-56: an interrupt frame reaches down to here'));
    const deep = lines.findIndex((line) => line.includes('[RSP-64, RSP-60)'));
    assert.ok(interrupt > saved && interrupt < deep, output);
    assert.ok(!/overwritten/.test(lines[deep]!));
    assert.match(output, /warning: stores 4 bytes .* \[red-zone-store\]/);
  });

  test('an unknown stack pointer says why and draws no table', () => {
    const output = formatLayout({ ...layout, rspFromEntry: undefined, rows: [], findings: [], unknownReason: '`sub %rax,%rsp` on line 3' }, 'leaf.s');
    assert.match(output, /The stack pointer is unknown here: `sub %rax,%rsp` on line 3/);
    assert.ok(!output.includes('----'));
  });
});
