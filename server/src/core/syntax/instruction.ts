/**
 * One instruction statement in AT&T or Intel spelling -> one IR `Instruction`.
 *
 * This is the single place that turns x86 text into the IR: the GAS, NASM and objdump parsers
 * call it for each statement, and the object path calls `parseIntelInstructionText` for each
 * line capstone prints, so every input shares one reading of x86.
 */
import type { Instruction, Operand, Span } from '../ir';
import { isBranchMnemonic, isKnownMnemonic, normalizeAttMnemonic, prefixName, sizedStringMnemonic } from './mnemonics';
import { parseAttOperand, parseIntelOperand, splitOperands, type OperandContext } from './operands';
import { isVectorRegister, registerSize } from './registers';

/** Where a statement lies: 0-based line, offset of its first character, and objdump facts. */
export interface InsnSite {
  readonly line: number;
  readonly start: number;
  readonly address?: number;
  readonly length?: number;
}

/** How to read the operands of a statement. */
export interface InsnOptions {
  readonly flavor: 'gas' | 'nasm' | 'capstone';
  readonly objdumpTargets: boolean;
  readonly resolve: ((name: string) => string) | undefined;
  /** Prefixes from an earlier statement on their own (`lock;` or `rep` on the line before). */
  readonly pendingPrefixes?: readonly string[];
}

/**
 * Parses one Intel-syntax instruction as capstone prints it (`mov qword ptr [rsp - 8], rax`,
 * `call 0x1139`, `lock add dword ptr [rsp - 4], 0`, `rep stosq qword ptr [rdi], rax`).
 * Never throws; text it cannot read gives an instruction with `unknown: true`.
 */
export function parseIntelInstructionText(
  textAfterAddress: string,
  at: { line: number; span: Span; address?: number; length?: number },
): Instruction {
  const insn = parseInstruction(textAfterAddress.trim(), 'intel', { line: at.line, start: at.span.start, address: at.address, length: at.length }, {
    flavor: 'capstone',
    objdumpTargets: false,
    resolve: undefined,
  });
  return { ...insn, span: at.span };
}

/**
 * Parses a trimmed statement (no labels, no comments) in the given spelling. A statement that
 * holds only prefixes (`lock` before `;`) gives an instruction with an empty mnemonic, which the
 * caller carries over to the next statement.
 */
export function parseInstruction(text: string, spelling: 'att' | 'intel', site: InsnSite, options: InsnOptions): Instruction {
  const prefixes: string[] = options.pendingPrefixes === undefined ? [] : [...options.pendingPrefixes];
  let pos = 0;
  const n = text.length;
  let word = '';
  // Prefix words come first: `lock addl`, `rep stosq`, `notrack jmp`, `cs nopw`, `data16 cs nopw`.
  while (pos < n) {
    const end = wordEnd(text, pos);
    word = text.slice(pos, end).toLowerCase();
    const next = skipSpace(text, end);
    const prefix = prefixName(word, next < n && isWordStart(text.charCodeAt(next)));
    if (prefix === undefined) {
      pos = next;
      break;
    }
    prefixes.push(prefix);
    word = '';
    pos = next;
  }
  const base = { prefixes, text, span: { start: site.start, end: site.start + n }, line: site.line, address: site.address, length: site.length };
  if (word.length === 0) return { ...base, mnemonic: '', suffixSize: undefined, operands: [], unknown: prefixes.length === 0 };
  // GAS pseudo-suffixes that pick an encoding (`mov.s`, `jmp.d32`) do not change the meaning.
  const dot = word.indexOf('.');
  if (dot > 0) word = word.slice(0, dot);
  const operandText = pos < n ? text.slice(pos) : '';
  return spelling === 'att' ? finishAtt(word, operandText, base, options) : finishIntel(word, operandText, base, options);
}

type Base = Pick<Instruction, 'prefixes' | 'text' | 'span' | 'line' | 'address' | 'length'>;

function finishAtt(word: string, operandText: string, base: Base, options: InsnOptions): Instruction {
  const raw = operandText.length > 0 ? splitOperands(operandText) : [];
  // Which Intel word this is depends on its operands only for `movq` (SSE vs. `mov` + `q`).
  let vector = false;
  if (word === 'movq') for (const r of raw) if (r.charCodeAt(0) === 37 && isVectorRegister(r.slice(1).toLowerCase())) vector = true;
  const norm = normalizeAttMnemonic(word, vector);
  let mnemonic = norm.mnemonic;
  const ctx: OperandContext = { branch: isBranchMnemonic(mnemonic), objdumpTargets: options.objdumpTargets, flavor: options.flavor, resolve: options.resolve };
  const operands: Operand[] = [];
  let unknown = false;
  // AT&T lists the destination last; the IR lists it first.
  for (let i = raw.length - 1; i >= 0; i--) {
    let op = parseAttOperand(raw[i], ctx);
    if (op === undefined) {
      unknown = true;
      continue;
    }
    if (op.kind === 'mem' && op.size === undefined && norm.memSize !== undefined && mnemonic !== 'lea') op = { ...op, size: norm.memSize };
    operands.push(op);
  }
  mnemonic = stringForm(mnemonic, operands, norm.suffixSize);
  return { ...base, mnemonic, suffixSize: norm.suffixSize, operands, unknown: unknown || !isKnownMnemonic(mnemonic) };
}

function finishIntel(word: string, operandText: string, base: Base, options: InsnOptions): Instruction {
  const raw = operandText.length > 0 ? splitOperands(operandText) : [];
  let mnemonic = word;
  const ctx: OperandContext = { branch: isBranchMnemonic(mnemonic), objdumpTargets: options.objdumpTargets, flavor: options.flavor, resolve: options.resolve };
  const operands: Operand[] = [];
  let unknown = false;
  for (const r of raw) {
    const op = parseIntelOperand(r, ctx);
    if (op === undefined) unknown = true;
    else operands.push(op);
  }
  // GAS Intel writes `movsx rax, DWORD PTR [rdi]`; capstone and the SDM call it `movsxd`.
  if (mnemonic === 'movsx' && operands.length === 2 && operandSize(operands[1]) === 4) mnemonic = 'movsxd';
  mnemonic = stringForm(mnemonic, operands, undefined);
  return { ...base, mnemonic, suffixSize: undefined, operands, unknown: unknown || !isKnownMnemonic(mnemonic) };
}

/** objdump's `rep stos %rax,%es:(%rdi)` is capstone's `rep stosq`: name string ops by their size. */
function stringForm(mnemonic: string, operands: readonly Operand[], suffixSize: number | undefined): string {
  if (mnemonic.length > 5 || mnemonic.length < 3) return mnemonic;
  let size = suffixSize;
  for (const op of operands) size ??= operandSize(op);
  return sizedStringMnemonic(mnemonic, size) ?? mnemonic;
}

function operandSize(op: Operand): number | undefined {
  if (op.kind === 'reg') return registerSize(op.reg);
  if (op.kind === 'mem') return op.size;
  return undefined;
}

function wordEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) break;
    i++;
  }
  return i;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** A following word (as opposed to an operand such as `%eax` or `[rdi]`) makes `cs` a prefix. */
function isWordStart(c: number): boolean {
  const lower = c | 32;
  return (lower >= 97 && lower <= 122) || c === 123 /* { */;
}
