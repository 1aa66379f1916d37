/**
 * The fixtures that say `# object: yes` are assembled by GNU `as` and checked through the object
 * path (capstone, lowering, the same analysis): the object must give the same findings, by
 * function, code, offset and size, as the text's inline expectations. The kernel verdict of the
 * text's magic comment is passed to the object, which has no comments.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeText, type AnalysisOptions, type Finding } from '../../server/src/core/index';
import { analyzeObject } from '../../server/src/core/objects/index';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { readExpectations, readOptions, wantsObject } from './fixture-expectations';

const fixtures = join(process.cwd(), 'test', 'fixtures', 'asm');
let dir = '';
let capstone: CapstoneDisassembler;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redzone-object-fixtures-'));
  capstone = await createCapstoneDisassembler();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function key(f: Pick<Finding, 'function' | 'code' | 'offset' | 'size'>): string {
  return `${f.function} ${f.code} offset=${f.offset} size=${f.size}`;
}

for (const name of readdirSync(fixtures).sort()) {
  const text = readFileSync(join(fixtures, name), 'utf8');
  if (!wantsObject(text)) continue;
  test(`fixture ${name} assembled: the object gives the findings written in the text`, () => {
    const options = readOptions(text);
    const verdict = /redzone:\s*(kernel|user)/.exec(text.split('\n').slice(0, 30).join('\n'))?.[1];
    const objectOptions: AnalysisOptions = verdict === undefined ? options : { ...options, forcedKernel: { kernel: verdict === 'kernel', reason: 'the fixture says so' } };
    const textReport = analyzeText(text, options);
    const expected = readExpectations(text).map((e) => {
      const fn = textReport.functions.find((f) => f.startLine <= e.line && e.line <= f.endLine);
      const finding = textReport.findings.find((f) => f.line === e.line && f.code === e.code);
      return key({ function: fn?.name ?? '?', code: e.code, offset: finding?.offset, size: finding?.size } as Finding);
    });
    const object = join(dir, name.replace(/\.s$/, '.o'));
    execFileSync('as', ['--64', '-o', object, join(fixtures, name)]);
    const result = analyzeObject(new Uint8Array(readFileSync(object)), name, capstone, objectOptions);
    assert.equal(result.error, undefined);
    const report = result.units[0]!.report!;
    assert.deepEqual(report.findings.map(key).sort(), expected.sort(), `${name} as an object:\n${report.findings.map((f) => `${f.line + 1}: ${f.code} ${f.message}`).join('\n')}`);
  });
}
