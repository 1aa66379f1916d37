/** `parseIntelInstructionText`: capstone's Intel spelling, the object path's entry into the one x86 reading. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIntelInstructionText } from '../../server/src/core/syntax/index';
import { renderOperand } from './syntax-render';

const cases: [string, string][] = [
  ['mov qword ptr [rsp - 8], rax', 'mov [rsp-8]:8, rax'],
  ['call 0x1139', 'call ->0x1139@0x1139'],
  ['lock add dword ptr [rsp - 4], 0', 'lock add [rsp-4]:4, $0'],
  ['movabs rax, 0x123', 'movabs rax, $291'],
  ['jmp qword ptr [rip + 0x2fe2]', 'jmp [rip+12258]:8'],
  ['rep stosq qword ptr [rdi], rax', 'rep stosq [rdi]:8, rax'],
  ['and rsp, 0xfffffffffffffff0', 'and rsp, $-16'],
  ['sub rsp, 0x88', 'sub rsp, $136'],
  ['mov dword ptr [rbp + rax*4 - 0x10], edx', 'mov [rbp+rax*4-16]:4, edx'],
  ['mov rax, qword ptr fs:[0x28]', 'mov rax, fs:[40]:8'],
  ['nop word ptr cs:[rax + rax]', 'nop cs:[rax+rax*1]:2'],
  ['notrack jmp rax', 'notrack jmp rax'],
  ['endbr64', 'endbr64'],
  ['push rbp', 'push rbp'],
  ['pushfq', 'pushfq'],
  ['movsxd rax, dword ptr [rdi + 8]', 'movsxd rax, [rdi+8]:4'],
  ['vmovdqu ymmword ptr [rsp - 0x40], ymm0', 'vmovdqu [rsp-64]:32, ymm0'],
  ['fld xword ptr [rsp]', 'fld [rsp]:10'],
];

for (const [text, expected] of cases) {
  test(`capstone: ${text}`, () => {
    const span = { start: 100, end: 100 + text.length };
    const insn = parseIntelInstructionText(`  ${text} `, { line: 7, span, address: 0x1000, length: 4 });
    const prefixes = insn.prefixes.length > 0 ? `${insn.prefixes.join(' ')} ` : '';
    const ops = insn.operands.map(renderOperand).join(', ');
    assert.equal(`${prefixes}${insn.mnemonic}${ops ? ` ${ops}` : ''}${insn.unknown ? ' UNKNOWN' : ''}`, expected);
    assert.equal(insn.line, 7);
    assert.deepEqual(insn.span, span);
    assert.equal(insn.address, 0x1000);
    assert.equal(insn.length, 4);
    assert.equal(insn.text, text);
  });
}
