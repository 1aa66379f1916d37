/** The README documents every finding code exactly as the findings table defines it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { findingTable } from '../../server/src/core/findings';

test('README has a Diagnostics section entry for every code, with its summary and severity', () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const info of findingTable) {
    const heading = `### \`${info.code}\``;
    assert.ok(readme.includes(heading), `README lacks ${heading}`);
    const section = readme.slice(readme.indexOf(heading), readme.indexOf('\n### ', readme.indexOf(heading) + 1));
    assert.ok(section.includes(`*Default severity: ${info.severity}.* ${info.summary}`), `README's ${info.code} summary differs from findings.ts`);
    assert.ok(section.includes(info.documentation), `README's ${info.code} documentation differs from findings.ts`);
  }
});

test('README starts with exactly the two commands for a fresh machine', () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block !== null && readme.indexOf('```sh') < readme.indexOf('\n## '), 'the first section holds a sh block');
  const commands = block![1]!.trim().split('\n');
  assert.equal(commands.length, 2);
  assert.match(commands[0]!, /redzone-lint check/);
  assert.equal(commands[1], 'npm test');
});
