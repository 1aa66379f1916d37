/**
 * `.pushsection`/`.popsection` whose push and pop are far apart (test/fixtures/asm/gas-sections.s):
 * pushed in one macro expansion and popped in another, nested, and spanning function chunks. The
 * text is cut into function chunks that are parsed apart, so each chunk must start in the
 * sections the lines before it left in force. The truth is GNU as: every FUNC symbol of the
 * assembled fixture starts a chunk and is an analyzed function, and no `.popsection` is reported
 * as unmatched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText, expandSource } from '../../server/src/core/index';
import { scanChunks } from '../../server/src/core/analysis/chunks';
import { requireTool } from '../support/tools';

const fixture = join(process.cwd(), 'test', 'fixtures', 'asm', 'gas-sections.s');

test('gas-sections.s: every function GNU as sees starts a chunk and is analyzed, and each .popsection finds its push', () => {
  requireTool('as', 'binutils');
  const text = readFileSync(fixture, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'rz-sections-'));
  try {
    execFileSync('as', ['--64', fixture, '-o', join(dir, 'out.o')]);
    const symbols = execFileSync('readelf', ['-sW', join(dir, 'out.o')], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === 'FUNC')
      .map((fields) => fields[7]!)
      .sort();
    assert.ok(symbols.length >= 6);
    const report = analyzeText(text);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.functions.map((fn) => fn.name).sort(), symbols);
    // The chunks of the expanded text: one starts at each function's label line.
    const expanded = expandSource(text, 'att').text;
    const lines = expanded.split('\n');
    const chunkLabels = scanChunks(expanded, 'att').chunks.map((chunk) => /^([\w.$]+):/.exec(lines[chunk.line] ?? '')?.[1]).filter((name) => name !== undefined);
    assert.deepEqual([...chunkLabels].sort(), symbols);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
