/**
 * One instruction statement in AT&T or Intel spelling -> one IR `Instruction`.
 *
 * This is the single place that turns x86 text into the IR: the GAS, NASM and objdump parsers
 * call it for each statement, and the object path calls `parseIntelInstructionText` for each
 * line capstone prints, so every input shares one reading of x86.
 */
import type { Instruction, Operand, Span } from '../ir';
import { opcodeOf, UNKNOWN_OPCODE } from '../x86/opcodes';
import { internMnemonic, isBranchMnemonic, normalizeAttMnemonic, prefixName, sizedStringMnemonic } from './mnemonics';
import { maxOperandText } from './sink';
import { parseAttOperand, parseIntelOperand, splitOperands, withoutDecorations, type OperandContext } from './operands';
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
  /** The statement caches for these options, looked up once per file by `withStatementCaches`. */
  readonly attCache?: Map<string, Core>;
  readonly intelCache?: Map<string, Core>;
}

/** `options` with its statement caches attached, so that per-statement calls skip the lookup. */
export function withStatementCaches(options: InsnOptions): InsnOptions {
  return { ...options, attCache: statementCache('att', options), intelCache: statementCache('intel', options) };
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
  const text = textAfterAddress.trim();
  const insn = parseInstruction(text, 'intel', { line: at.line, start: at.span.start, address: at.address, length: at.length }, CAPSTONE);
  return makeInstruction(insn.mnemonic, insn.opcode, insn.prefixes, insn.suffixSize, insn.operands, insn.unknown, insn.text, at.span, at);
}

/**
 * The opcode of a lowercase mnemonic word as written in AT&T or Intel (`callq`, `call`, `movl`),
 * for scanners that read words without parsing the statement.
 */
export function opcodeOfWord(word: string): number {
  return opcodeOf(normalizeAttMnemonic(word, false).mnemonic);
}

/** A lowercase word and the blanks after it. */
const FIRST_WORD = /^([a-z][a-z0-9]*)(?:[ \t]+|$)/;

/** Shared by every instruction without prefixes; never mutated. */
const NO_PREFIXES: string[] = [];

const CAPSTONE: InsnOptions = { flavor: 'capstone', objdumpTargets: false, resolve: undefined };

/**
 * Parses a trimmed statement (no labels, no comments) in the given spelling. A statement that
 * holds only prefixes (`lock` before `;`) gives an instruction with an empty mnemonic, which the
 * caller carries over to the next statement.
 */
export function parseInstruction(text: string, spelling: 'att' | 'intel', site: InsnSite, options: InsnOptions): Instruction {
  const span: Span = { start: site.start, end: site.start + text.length };
  // Compiler output repeats whole statements (`xorl %eax, %eax`, `popq %rbx`, `ret`): about 70%
  // of the instructions of a large `.s` are repeats, so the position-free part is cached.
  const cache = options.pendingPrefixes === undefined && options.flavor !== 'nasm' ? (spelling === 'att' ? options.attCache : options.intelCache) ?? statementCache(spelling, options) : undefined;
  let core = cache?.get(text);
  if (core === undefined) {
    core = parseCore(text, spelling, options);
    if (cache !== undefined && !core.positional) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(text, core);
    }
  }
  return makeInstruction(core.mnemonic, core.opcode, core.prefixes, core.suffixSize, core.operands, core.unknown, text, span, site);
}

/** What an instruction's text alone determines. */
export interface Core {
  readonly mnemonic: string;
  /** The mnemonic's id in the x86 table. */
  readonly opcode: number;
  readonly prefixes: readonly string[];
  readonly suffixSize: number | undefined;
  readonly operands: readonly Operand[];
  readonly unknown: boolean;
  /** A name was resolved by position (`1f` in GAS), so the same text may mean another thing elsewhere. */
  readonly positional: boolean;
}

const statementCaches = new Map<string, Map<string, Core>>();

function statementCache(spelling: 'att' | 'intel', options: InsnOptions): Map<string, Core> {
  const key = `${spelling}/${options.flavor}/${options.objdumpTargets ? 'o' : ''}`;
  let cache = statementCaches.get(key);
  if (cache === undefined) {
    cache = new Map();
    statementCaches.set(key, cache);
  }
  return cache;
}

/**
 * Parses the position-free part of a trimmed statement. The result may be shared by every
 * statement with the same text, unless it is `positional`.
 */
export function parseCore(text: string, spelling: 'att' | 'intel', options: InsnOptions): Core {
  let prefixes: string[] = NO_PREFIXES;
  let pos = 0;
  const n = text.length;
  let word = '';
  // The common case, one lowercase mnemonic that is no prefix, by one native match.
  const first = FIRST_WORD.exec(text);
  if (first !== null && prefixName(first[1], true) === undefined) {
    word = first[1];
    pos = first[0].length;
  } else {
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
      if (prefixes === NO_PREFIXES) prefixes = [];
      prefixes.push(prefix);
      word = '';
      pos = next;
    }
  }
  if (options.pendingPrefixes !== undefined) prefixes = [...options.pendingPrefixes, ...prefixes];
  if (word.length === 0) return { mnemonic: '', opcode: UNKNOWN_OPCODE, prefixes, suffixSize: undefined, operands: NO_OPERANDS, unknown: prefixes.length === 0, positional: false };
  // GAS pseudo-suffixes that pick an encoding (`mov.s`, `jmp.d32`) do not change the meaning.
  const dot = word.indexOf('.');
  if (dot > 0) word = word.slice(0, dot);
  const operandText = pos < n ? text.slice(pos) : '';
  // Far longer than any instruction's operands (`maxOperandText`): not read, the instruction is unknown.
  if (operandText.length > maxOperandText) return finishCore(internMnemonic(word), prefixes, undefined, [], true, options);
  const raw = operandText.length > 0 ? withoutDecorations(splitOperands(operandText)) : [];
  const operands: Operand[] = [];
  let mnemonic: string;
  let suffixSize: number | undefined;
  let failed: boolean;
  if (spelling === 'att') {
    // Which Intel word this is depends on its operands only for `movq` (SSE vs. `mov` + `q`).
    let vector = false;
    if (word === 'movq') for (const r of raw) if (r.charCodeAt(0) === 37 && isVectorRegister(r.slice(1).toLowerCase())) vector = true;
    const norm = normalizeAttMnemonic(word, vector);
    mnemonic = norm.mnemonic;
    suffixSize = norm.suffixSize;
    const memSize = mnemonic === 'lea' ? undefined : norm.memSize;
    failed = attOperands(raw, operandContext(mnemonic, options), memSize, operands);
  } else {
    mnemonic = internMnemonic(word);
    suffixSize = undefined;
    failed = intelOperands(raw, operandContext(mnemonic, options), operands);
    // GAS Intel writes `movsx rax, DWORD PTR [rdi]`; capstone and the SDM call it `movsxd`.
    if (mnemonic === 'movsx' && operands.length === 2 && operandSize(operands[1]) === 4) mnemonic = 'movsxd';
  }
  return finishCore(mnemonic, prefixes, suffixSize, operands, failed, options);
}

/** The last steps of reading a statement, shared by `parseCore` and the fast AT&T reader. */
export function finishCore(
  mnemonic: string,
  prefixes: readonly string[],
  suffixSize: number | undefined,
  operands: Operand[],
  failed: boolean,
  options: InsnOptions,
): Core {
  const name = stringForm(mnemonic, operands, suffixSize);
  let positional = false;
  if (options.resolve !== undefined) for (const op of operands) if (isPositional(op)) positional = true;
  const opcode = opcodeOf(name);
  return { mnemonic: name, opcode, prefixes, suffixSize, operands: operands.length === 0 ? NO_OPERANDS : operands, unknown: failed || opcode === UNKNOWN_OPCODE, positional };
}

/**
 * True when a resolver renamed a label in `op` by its position (`1f` -> `.L1^2`), so that the
 * same text may mean another operand elsewhere in the file.
 */
export function isPositional(op: Operand | null): boolean {
  if (op === null) return false;
  return (op.kind === 'target' && op.name.includes('^')) || (op.kind === 'mem' && op.symbol !== undefined && op.symbol.includes('^'));
}

const NO_OPERANDS: Operand[] = [];

/**
 * The instruction for a cached `core` at a place without address or length (GAS text). Same
 * property order as `makeInstruction`, so both make objects of one shape.
 */
export function instructionFromCore(core: Core, text: string, span: Span, line: number): Instruction {
  return { mnemonic: core.mnemonic, opcode: core.opcode, prefixes: core.prefixes, suffixSize: core.suffixSize, operands: core.operands, unknown: core.unknown, text, span, line, address: undefined, length: undefined };
}

/** Builds an `Instruction` with one fixed property order, so every instruction shares a shape. */
function makeInstruction(
  mnemonic: string,
  opcode: number,
  prefixes: readonly string[],
  suffixSize: number | undefined,
  operands: readonly Operand[],
  unknown: boolean,
  text: string,
  span: Span,
  site: { readonly line: number; readonly address?: number; readonly length?: number },
): Instruction {
  return { mnemonic, opcode, prefixes, suffixSize, operands, unknown, text, span, line: site.line, address: site.address, length: site.length };
}

function operandContext(mnemonic: string, options: InsnOptions): OperandContext {
  return { branch: isBranchMnemonic(mnemonic), objdumpTargets: options.objdumpTargets, flavor: options.flavor, resolve: options.resolve };
}

/** Parses AT&T operands into `out` in Intel order (AT&T lists the destination last); true on failure. */
function attOperands(raw: readonly string[], ctx: OperandContext, memSize: number | undefined, out: Operand[]): boolean {
  let failed = false;
  const cache = ctx.branch ? undefined : operandCache(0, ctx.flavor, memSize);
  for (let i = raw.length - 1; i >= 0; i--) {
    const text = raw[i];
    let op = cache?.get(text);
    if (op === undefined) {
      op = parseAttOperand(text, ctx, memSize) ?? null;
      if (cache !== undefined && cacheable(op, ctx)) remember(cache, text, op);
    }
    if (op === null) failed = true;
    else out.push(op);
  }
  return failed;
}

/** Parses Intel operands into `out`; true on failure. */
function intelOperands(raw: readonly string[], ctx: OperandContext, out: Operand[]): boolean {
  let failed = false;
  const cache = ctx.branch ? undefined : operandCache(1, ctx.flavor, undefined);
  for (const text of raw) {
    let op = cache?.get(text);
    if (op === undefined) {
      op = parseIntelOperand(text, ctx) ?? null;
      if (cache !== undefined && cacheable(op, ctx)) remember(cache, text, op);
    }
    if (op === null) failed = true;
    else out.push(op);
  }
  return failed;
}

/**
 * Operands repeat a lot (`%rax`, `-8(%rbp)`, `$1`), and parsed operands are immutable, so each
 * spelling, flavor and implied memory size has a bounded cache from operand text to operand
 * (`null` for text that is not an operand). Branch operands are not cached: their names depend on
 * where they are (`1f`, NASM `.loop`).
 */
const operandCaches = new Map<number, Map<string, Operand | null>>();
const CACHE_LIMIT = 20000;

function operandCache(spelling: number, flavor: InsnOptions['flavor'], memSize: number | undefined): Map<string, Operand | null> | undefined {
  if (memSize !== undefined && (memSize > 64 || !Number.isInteger(memSize))) return undefined;
  const key = spelling * 1000 + (flavor === 'gas' ? 0 : flavor === 'nasm' ? 100 : 200) + (memSize ?? 99);
  let cache = operandCaches.get(key);
  if (cache === undefined) {
    cache = new Map();
    operandCaches.set(key, cache);
  }
  return cache;
}

/** Operands naming a symbol are cached only when no resolver can rename the symbol. */
function cacheable(op: Operand | null, ctx: OperandContext): boolean {
  return ctx.resolve === undefined || op === null || op.kind !== 'mem' || op.symbol === undefined;
}

function remember(cache: Map<string, Operand | null>, text: string, op: Operand | null): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, op);
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
