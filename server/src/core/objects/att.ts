/**
 * Spells a decoded instruction in AT&T syntax, the way `objdump -d` prints it by default
 * (`mov    %rdi,-0x8(%rsp)`, `movl   $0x0,-0x4(%rbp)`, `call   *%rax`).
 *
 * Capstone prints Intel syntax and the analysis reads that text through the one Intel parser, so
 * this module only affects what a person reads in the listing: the analysis never parses the AT&T
 * spelling back. AVX-512 masks and broadcasts are read from the Intel text. Where the IR does not
 * hold everything the AT&T form needs (rounding operands, far pointers, text the parser did not
 * understand), the Intel text is kept instead, because an honest Intel line is better than a wrong
 * AT&T one.
 */
import type { Instruction, MemOperand, Operand } from '../ir';
import { attRenamed } from '../syntax/mnemonics';
import { splitOperands } from '../syntax/operands';

/** Integer instructions that take a size suffix when no register operand tells the size. */
const SUFFIXED = new Set([
  'mov', 'add', 'sub', 'and', 'or', 'xor', 'cmp', 'test', 'adc', 'sbb', 'inc', 'dec', 'neg', 'not', 'shl', 'shr',
  'sal', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'push', 'pop', 'imul', 'mul', 'div', 'idiv', 'nop', 'xchg', 'cmpxchg',
  'xadd', 'bt', 'bts', 'btr', 'btc', 'shld', 'shrd',
]);

const INT_SUFFIX: Record<number, string> = { 1: 'b', 2: 'w', 4: 'l', 8: 'q' };
const FLOAT_SUFFIX: Record<number, string> = { 4: 's', 8: 'l', 10: 't' };
const FLOAT_INT_SUFFIX: Record<number, string> = { 2: 's', 4: 'l', 8: 'll' };

/**
 * The AT&T text of `insn`, whose `text` is capstone's Intel spelling. `target` is the objdump-style
 * branch target (`1139 <foo>`) to print instead of the operand, when the instruction has one.
 */
export function attText(insn: Instruction, target: string | undefined): string {
  if (insn.unknown || insn.text.includes(':0x') || insn.mnemonic.startsWith('.')) return insn.text;
  const ops = insn.operands;
  // AVX-512 decorations (`{k1}`, `{z}`, `{1to16}`) are only in the text; each follows its operand.
  const decorations = insn.text.includes('{') ? attDecorations(insn.text) : undefined;
  if (decorations !== undefined && decorations.length !== ops.length) return insn.text;
  if (decorations === undefined && insn.text.includes('{')) return insn.text;
  let mnemonic = attRenamed.get(insn.mnemonic) ?? insn.mnemonic;
  const mem = ops.find((op): op is MemOperand => op.kind === 'mem');
  const hasReg = ops.some((op) => op.kind === 'reg' && !(op.reg === 'cl' && isShift(insn.mnemonic)));
  if ((mnemonic === 'movzx' || mnemonic === 'movsx') && ops.length === 2) {
    const from = ops[1].kind === 'reg' ? regSize(ops[1].reg) : ops[1].kind === 'mem' ? ops[1].size : undefined;
    const to = ops[0].kind === 'reg' ? regSize(ops[0].reg) : undefined;
    if (from === undefined || to === undefined) return insn.text;
    mnemonic = `${mnemonic.slice(0, 4)}${INT_SUFFIX[from] ?? ''}${INT_SUFFIX[to] ?? ''}`;
  } else if (mem?.size !== undefined && !hasReg) {
    if (SUFFIXED.has(mnemonic)) mnemonic += INT_SUFFIX[mem.size] ?? '';
    else if (mnemonic.startsWith('fi') && mnemonic !== 'fincstp') mnemonic += FLOAT_INT_SUFFIX[mem.size] ?? '';
    else if (mnemonic.startsWith('f') && /^f(ld|st|stp|add|sub|subr|mul|div|divr|com|comp|ucom)$/.test(mnemonic)) mnemonic += FLOAT_SUFFIX[mem.size] ?? '';
  }
  // objdump prints negative immediates as unsigned numbers of the operand's size.
  const reg = ops.find((op) => op.kind === 'reg');
  const width = (reg?.kind === 'reg' ? regSize(reg.reg) : undefined) ?? mem?.size ?? 8;
  const indirect = (mnemonic === 'call' || mnemonic === 'jmp') && ops.length === 1 && ops[0].kind !== 'target';
  const parts: string[] = [];
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (op.kind === 'target') {
      parts.push(target ?? op.name);
      continue;
    }
    const text = op.kind === 'imm' && op.value !== undefined && op.value < 0 ? `$0x${BigInt.asUintN(width * 8, BigInt(op.value)).toString(16)}` : operandText(op);
    if (text === undefined) return insn.text;
    parts.push(`${indirect ? `*${text}` : text}${decorations?.[i] ?? ''}`);
  }
  const head = insn.prefixes.length > 0 ? `${insn.prefixes.join(' ')} ${mnemonic}` : mnemonic;
  return parts.length === 0 ? head : `${head.padEnd(6)} ${parts.join(',')}`;
}

/**
 * The AT&T spelling of the decorations of each Intel operand (`zmmword ptr [rdi] {k1}` -> `{%k1}`,
 * `{z}`, `dword ptr [rax]{1to16}` -> `{1to16}`), or undefined when an operand is a decoration of
 * its own (`{rn-sae}`) or one is not known: the caller then keeps the Intel text.
 */
function attDecorations(text: string): string[] | undefined {
  const space = text.indexOf(' ');
  if (space < 0) return undefined;
  const operands = splitOperands(text.slice(space + 1));
  const result: string[] = [];
  for (const operand of operands) {
    if (operand.startsWith('{')) return undefined;
    let spelled = '';
    for (const [, decoration] of operand.matchAll(/\{([^}]*)\}/g)) {
      if (/^k[0-7]$/.test(decoration!)) spelled += `{%${decoration}}`;
      else if (decoration === 'z' || /^1to\d+$/.test(decoration!)) spelled += `{${decoration}}`;
      else return undefined;
    }
    result.push(spelled);
  }
  return result;
}

function isShift(mnemonic: string): boolean {
  return /^(sh[lr]d?|sa[lr]|ro[lr]|rc[lr])$/.test(mnemonic);
}

function operandText(op: Operand): string | undefined {
  switch (op.kind) {
    case 'reg':
      return /^st\d$/.test(op.reg) ? `%st(${op.reg.slice(2)})` : `%${op.reg}`;
    case 'imm':
      return op.value === undefined ? undefined : `$${hex(op.value)}`;
    case 'mem': {
      const segment = op.segment !== undefined ? `%${op.segment}:` : '';
      // objdump prints a RIP-relative displacement even when it is 0 (`0x0(%rip)` before relocation).
      const disp = op.disp !== 0 || (op.base === undefined && op.index === undefined) || op.base === 'rip' || op.base === 'eip' ? hex(op.disp) : '';
      if (op.base === undefined && op.index === undefined) return `${segment}${disp}`;
      const index = op.index !== undefined ? `,%${op.index},${op.scale}` : '';
      return `${segment}${disp}(${op.base !== undefined ? `%${op.base}` : ''}${index})`;
    }
    case 'target':
      return op.name;
  }
}

function hex(value: number): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

/** Operand size in bytes of a general-purpose register name, for the `movz`/`movs` suffixes. */
function regSize(reg: string): number | undefined {
  if (/^(r[a-d]x|r[sd]i|r[sb]p|r\d+)$/.test(reg)) return 8;
  if (/^(e[a-d]x|e[sd]i|e[sb]p|r\d+d)$/.test(reg)) return 4;
  if (/^([a-d]x|[sd]i|[sb]p|r\d+w)$/.test(reg)) return 2;
  if (/^([a-d][lh]|[sd]il|[sb]pl|r\d+b)$/.test(reg)) return 1;
  return undefined;
}
