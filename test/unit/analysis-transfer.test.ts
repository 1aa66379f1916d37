/**
 * The x86 table's answer to "does the transfer model this instruction's stack-pointer write without
 * an RSP operand" (`movesStackImplicitly`, which the object path checks the decoder against) holds
 * for exactly the opcodes `step` sends to the stack cases: a case added without the table, or the
 * reverse, would make the object path mark a modelled instruction unknown, or trust an unmodelled one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { movesStackImplicitly, opcodeNames, opcodeTransfer, Transfer } from '../../server/src/core/x86/opcodes';

test('movesStackImplicitly holds for exactly the opcodes step routes to the stack cases', () => {
  const source = readFileSync(join(process.cwd(), 'server', 'src', 'core', 'analysis', 'transfer.ts'), 'utf8');
  const stackCases = new Set(readFileSync(join(process.cwd(), 'server', 'src', 'core', 'analysis', 'transfer-stack.ts'), 'utf8').match(/export function (\w+)/g)!.map((m) => m.slice('export function '.length)));
  const switchBody = source.slice(source.indexOf('switch (opcodeTransfer[insn.opcode]) {'));
  const routed = new Set<number>();
  let labels: number[] = [];
  for (const line of switchBody.split('\n')) {
    const label = /^\s*case Transfer\.(\w+):/.exec(line);
    if (label) {
      labels.push(Transfer[label[1] as keyof typeof Transfer]);
      continue;
    }
    const call = /(transfer\w+)\(/.exec(line);
    if (call) {
      if (stackCases.has(call[1]!)) for (const l of labels) routed.add(l);
      labels = [];
    }
    if (/^\s*default:/.test(line)) break;
  }
  assert.ok(routed.size >= 10, 'the switch was read');
  const disagree = opcodeNames.filter((_, id) => movesStackImplicitly(id) !== routed.has(opcodeTransfer[id]!));
  assert.deepEqual(disagree, []);
  assert.ok(opcodeNames.filter((_, id) => movesStackImplicitly(id)).length >= 15, 'push, pop, pushf, popf, pusha, popa, lss, leave, enter, call and their forms');
});
