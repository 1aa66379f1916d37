/**
 * Data-driven analysis tests: every file in test/fixtures/asm is analyzed, and its findings must be
 * exactly the ones written inline under the offending lines:
 *
 *     movl %edi, -20(%rbp)
 * # ^ red-zone-store offset=-20 size=4
 *
 * A first-lines comment `# options: --abi ms --user` sets analysis options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, type AnalysisOptions } from '../../server/src/core/index';

const dir = join(process.cwd(), 'test', 'fixtures', 'asm');
const expectation = /^\s*[#;]\s*\^\s*([a-z-]+)((?:\s+\w+=\S+)*)\s*$/;

interface Expected {
  line: number;
  code: string;
  attrs: Record<string, string>;
}

function readExpectations(text: string): Expected[] {
  const lines = text.split('\n');
  const expected: Expected[] = [];
  let target = -1;
  lines.forEach((content, line) => {
    const match = expectation.exec(content);
    if (match === null) {
      target = line;
      return;
    }
    const attrs: Record<string, string> = {};
    for (const pair of match[2]!.trim().split(/\s+/).filter(Boolean)) {
      const [key, value] = pair.split('=') as [string, string];
      attrs[key] = value;
    }
    expected.push({ line: target, code: match[1]!, attrs });
  });
  return expected;
}

/** A file's contents, or undefined: the preprocessors' `readFile`. */
function readIfFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The options of a fixture's first-lines comment: `--abi`, `--user`, `--kernel`, and for the
 * preprocessors `-I dir` (relative to the fixture) and `-D NAME=VALUE`; `.S` fixtures run the C
 * preprocessor.
 */
function readOptions(text: string, name: string): AnalysisOptions {
  const match = /options:\s*(.*)/.exec(text.split('\n').slice(0, 5).join('\n'));
  const words = match?.[1]?.split(/\s+/) ?? [];
  const options: { abi?: AnalysisOptions['abi']; forcedKernel?: AnalysisOptions['forcedKernel'] } = {};
  const includePaths: string[] = [];
  const defines: string[] = [];
  words.forEach((word, i) => {
    if (word === '--abi') options.abi = words[i + 1] as AnalysisOptions['abi'];
    if (word === '--user') options.forcedKernel = { kernel: false, reason: 'forced by the test' };
    if (word === '--kernel') options.forcedKernel = { kernel: true, reason: 'forced by the test' };
    if (word === '-I') includePaths.push(join(dir, words[i + 1]!));
    if (word === '-D') defines.push(words[i + 1]!);
  });
  const source = { c: name.endsWith('.S'), fileName: join(dir, name), includePaths, defines, readFile: readIfFile };
  return { ...options, source };
}

for (const name of readdirSync(dir).sort()) {
  test(`fixture ${name}`, () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const report = analyzeText(text, readOptions(text, name));
    const expected = readExpectations(text);
    const actual = report.findings.map((f) => `${f.line + 1}: ${f.code}`);
    assert.deepEqual(actual.sort(), expected.map((e) => `${e.line + 1}: ${e.code}`).sort(), `findings of ${name}:\n${report.findings.map((f) => `${f.line + 1}: ${f.code} ${f.message}`).join('\n')}`);
    for (const e of expected) {
      const finding = report.findings.find((f) => f.line === e.line && f.code === e.code)!;
      if (e.attrs.offset !== undefined) assert.equal(finding.offset, Number(e.attrs.offset), `offset on line ${e.line + 1} of ${name}`);
      if (e.attrs.size !== undefined) assert.equal(finding.size, Number(e.attrs.size), `size on line ${e.line + 1} of ${name}`);
    }
    assert.ok(report.functions.length > 0, `${name} has at least one function`);
  });
}
