/**
 * The list of instructions whose stack-pointer write the transfer models without an RSP operand
 * (`implicitStackWriters`, which the object path checks the decoder against) is exactly the set
 * of mnemonics `step` sends to the stack cases: a case added without the list, or the reverse,
 * would make the object path mark a modelled instruction unknown, or trust an unmodelled one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { implicitStackWriters } from '../../server/src/core/analysis/transfer';

test('implicitStackWriters lists exactly the mnemonics step routes to the stack cases', () => {
  const source = readFileSync(join(process.cwd(), 'server', 'src', 'core', 'analysis', 'transfer.ts'), 'utf8');
  const stackCases = new Set(readFileSync(join(process.cwd(), 'server', 'src', 'core', 'analysis', 'transfer-stack.ts'), 'utf8').match(/export function (\w+)/g)!.map((m) => m.slice('export function '.length)));
  const switchBody = source.slice(source.indexOf('switch (insn.mnemonic) {'));
  const routed = new Set<string>();
  let labels: string[] = [];
  for (const line of switchBody.split('\n')) {
    const label = /^\s*case '([a-z0-9]+)':/.exec(line);
    if (label) {
      labels.push(label[1]!);
      continue;
    }
    const call = /(transfer\w+)\(/.exec(line);
    if (call) {
      if (stackCases.has(call[1]!)) for (const l of labels) routed.add(l);
      labels = [];
    }
    if (/^\s*default:/.test(line)) break;
  }
  assert.ok(routed.size > 10, 'the switch was read');
  assert.deepEqual([...routed].sort(), [...implicitStackWriters].sort());
});
