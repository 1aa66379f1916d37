/**
 * The fast reader of AT&T statements seen for the first time (`movq 440(%rdi), %rax`, `je .L93`):
 * the mnemonic and each operand are ranges of the input text, looked up in tables by their text,
 * so a new statement made of known words costs a few lookups and no temporary strings. About
 * 60,000 of the 200,000 instructions of a 5 MB `.s` are first occurrences; most of their
 * operands (`%rax`, `8(%rsp)`) are not.
 *
 * It follows `parseCore` step by step for the common shape: one lowercase mnemonic that is no
 * prefix, operands without brackets, braces, quotes or non-ASCII characters. For anything else it
 * returns undefined and the caller uses `parseCore`.
 */
import type { Operand } from '../ir';
import { finishCore, isPositional, type Core, type InsnOptions } from './instruction';
import { isBranchMnemonic, normalizeAttMnemonic, prefixName, type AttMnemonic } from './mnemonics';
import { parseAttOperand, plainTargetAt, type OperandContext } from './operands';
import { hashRange, StatementTable } from './statement-table';

/** What a mnemonic word means, for both readings of `movq` (SSE or `mov` + `q`). */
interface WordInfo {
  readonly plain: Reading;
  readonly vector: Reading;
}

/** One reading of a word: its Intel mnemonic, sizes and the context its operands are read in. */
interface Reading {
  readonly norm: AttMnemonic;
  readonly memSize: number | undefined;
  /** A jump, call or loop: a bare symbol operand is a code address. */
  readonly branch: boolean;
  /** Which operand table serves this reading, or -1 when its operands are not cached. */
  readonly table: number;
}

/** Mnemonic words by text; null for words that may be prefixes (`rep`, `lock`, `cs`). */
const words = new StatementTable<WordInfo | null>(1 << 12);
/** Operands by text, one table per (branch, memory size) context. */
const operandTables: StatementTable<Operand | null>[] = [];

/** At most four operands are read fast; more take the general path. */
const MAX_OPERANDS = 4;
const starts = new Int32Array(MAX_OPERANDS);
const ends = new Int32Array(MAX_OPERANDS);

/**
 * The operand contexts of the file being parsed. They hold its label resolver, which is why they
 * are not part of the cached readings; operands a resolver renamed are never cached.
 */
let contextOptions: InsnOptions | undefined;
let plainContext: OperandContext | undefined;
let branchContext: OperandContext | undefined;

/**
 * The core of the AT&T statement `text[s, e)` (trimmed, no comment), or undefined when it is not
 * of the common shape. `options` must be the GAS parser's (flavor `gas`, no objdump targets).
 */
export function attCoreAt(text: string, s: number, e: number, options: InsnOptions): Core | undefined {
  if (options.flavor !== 'gas' || options.objdumpTargets || options.pendingPrefixes !== undefined) return undefined;
  if (contextOptions !== options) {
    contextOptions = options;
    plainContext = { branch: false, objdumpTargets: false, flavor: 'gas', resolve: options.resolve };
    branchContext = { branch: true, objdumpTargets: false, flavor: 'gas', resolve: options.resolve };
  }
  // The mnemonic: `[a-z][a-z0-9]*` followed by a blank or the end, as `parseCore` matches it.
  let w = s;
  while (w < e) {
    const c = text.charCodeAt(w);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57 && w > s))) break;
    w++;
  }
  if (w === s || (w < e && text.charCodeAt(w) !== 32 && text.charCodeAt(w) !== 9)) return undefined;
  const info = wordInfo(text, s, w);
  if (info === null) return undefined;
  // Operands: split at commas outside parentheses, each trimmed, as `splitOperands` does.
  let count = 0;
  let depth = 0;
  let vector = false;
  let partStart = w;
  for (let i = w; i <= e; i++) {
    const c = i < e ? text.charCodeAt(i) : 44;
    if (c >= 128 || c === 39 || c === 91 || c === 93 || c === 123 || c === 125) return undefined;
    if (c === 40) depth++;
    else if (c === 41) depth--;
    else if (c === 44 && (depth === 0 || i === e)) {
      let a = partStart;
      let b = i;
      while (a < b && isTrimmed(text.charCodeAt(a))) a++;
      while (b > a && isTrimmed(text.charCodeAt(b - 1))) b--;
      partStart = i + 1;
      // No operands at all is an empty operand text, not one empty operand.
      if (i === e && count === 0 && a === b) break;
      if (count === MAX_OPERANDS) return undefined;
      starts[count] = a;
      ends[count] = b;
      count++;
      if (b - a >= 2 && text.charCodeAt(a) === 37 /* % */ && isVectorRegisterStart(text, a + 1, b)) vector = true;
    }
  }
  // Only `movq` has two readings: the SSE/MMX move when an operand is a vector register.
  const reading = vector && text.startsWith('movq', s) && w - s === 4 ? info.vector : info.plain;
  // AT&T lists the destination last; the IR lists it first. Arrays are made at their size.
  let operands: Operand[];
  let failed = false;
  if (count === 0) operands = [];
  else if (count === 1) {
    const op = operandAt(text, starts[0], ends[0], reading);
    failed = op === null;
    operands = op === null ? [] : [op];
  } else if (count === 2) {
    const src = operandAt(text, starts[0], ends[0], reading);
    const dst = operandAt(text, starts[1], ends[1], reading);
    failed = src === null || dst === null;
    operands = failed ? withoutNulls([dst, src]) : [dst as Operand, src as Operand];
  } else {
    const all: (Operand | null)[] = [];
    for (let k = count - 1; k >= 0; k--) all.push(operandAt(text, starts[k], ends[k], reading));
    operands = withoutNulls(all);
    failed = operands.length < count;
  }
  return finishCore(reading.norm.mnemonic, NO_PREFIXES, reading.norm.suffixSize, operands, failed, options);
}

function withoutNulls(ops: (Operand | null)[]): Operand[] {
  const out: Operand[] = [];
  for (const op of ops) if (op !== null) out.push(op);
  return out;
}

const NO_PREFIXES: string[] = [];

/** The word `text[s, w)`, looked up or read once; null for possible prefixes. */
function wordInfo(text: string, s: number, w: number): WordInfo | null {
  const h = hashRange(text, s, w);
  const slot = words.find(text, s, w, h);
  if (words.keyAt(slot) !== undefined) return words.valueAt(slot) as WordInfo | null;
  const word = text.slice(s, w);
  const info = prefixName(word, true) !== undefined ? null : { plain: reading(normalizeAttMnemonic(word, false)), vector: reading(normalizeAttMnemonic(word, true)) };
  words.insert(slot, word, h, info);
  return info;
}

function reading(norm: AttMnemonic): Reading {
  const memSize = norm.mnemonic === 'lea' ? undefined : norm.memSize;
  const branch = isBranchMnemonic(norm.mnemonic);
  const sizeKey = memSize === undefined ? 0 : Number.isInteger(memSize) && memSize > 0 && memSize <= 64 ? memSize : -1;
  const table = sizeKey < 0 ? -1 : (branch ? 65 : 0) + sizeKey;
  return { norm, memSize, branch, table };
}

/**
 * The operand `text[a, b)` in the context of `reading`. Operands are kept by text unless a
 * resolver renamed a label in them by position (`1f`), which the same text elsewhere would not.
 */
function operandAt(text: string, a: number, b: number, reading: Reading): Operand | null {
  const ctx = (reading.branch ? branchContext : plainContext) as OperandContext;
  if (reading.table < 0) return parseAttOperand(text.slice(a, b), ctx, reading.memSize) ?? null;
  let table = operandTables[reading.table];
  if (table === undefined) {
    for (let k = operandTables.length; k <= reading.table; k++) operandTables.push(new StatementTable<Operand | null>(1 << 16));
    table = operandTables[reading.table];
  }
  // Branch targets are mostly labels used once or twice (`je .L93`): not worth keeping.
  if (reading.branch) {
    const target = plainTargetAt(text, a, b);
    if (target !== undefined) return target;
  }
  const h = hashRange(text, a, b);
  const slot = table.find(text, a, b, h);
  if (table.keyAt(slot) !== undefined) return table.valueAt(slot) as Operand | null;
  const key = text.slice(a, b);
  const op = parseAttOperand(key, ctx, reading.memSize) ?? null;
  if (!isPositional(op)) table.insert(slot, key, h, op);
  return op;
}

/** Whitespace that `String.prototype.trim` removes, among ASCII characters. */
function isTrimmed(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** `xmm`, `ymm`, `zmm` and `mm` in any case, as `isVectorRegister` tells them by their start. */
function isVectorRegisterStart(text: string, i: number, end: number): boolean {
  const c = text.charCodeAt(i) | 32;
  return c === 120 || c === 121 || c === 122 || (c === 109 && i + 1 < end && (text.charCodeAt(i + 1) | 32) === 109);
}
