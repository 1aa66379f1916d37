/**
 * Operand parsing for both spellings of x86: AT&T (`-8(%rbp)`, `%fs:40`, `.L4(,%rax,8)`, `$42`,
 * `*%rax`) and Intel (`QWORD PTR [rbp-8]`, `DWORD PTR fs:40`, `.L4[0+rax*8]`, `OFFSET FLAT:.LC0`,
 * NASM `qword [rel foo]`, capstone `qword ptr [rip + 0x2fe2]`).
 * Each function returns undefined when the text is not an operand it understands; the caller
 * then marks the instruction `unknown`.
 */
import type { ImmOperand, MemOperand, Operand, RegOperand, TargetOperand } from '../ir';
import { isSymbolText, parseDisplacement, parseHexDigits, parseSigned, signedTerms, type NumberFlavor } from './numbers';
import { canonicalRegister, isSegmentRegister } from './registers';

/** What an operand parser needs to know about the instruction around it. */
export interface OperandContext {
  /** The mnemonic is a jump, call or loop: a bare label or number is a code address. */
  readonly branch: boolean;
  /** objdump writes branch targets as bare hexadecimal with an annotation: `call 1030 <puts@plt>`. */
  readonly objdumpTargets: boolean;
  /** GAS, NASM or capstone/objdump rules for bare symbols and numbers. */
  readonly flavor: 'gas' | 'nasm' | 'capstone';
  /** Rewrites symbol names (NASM `.loop` -> `foo.loop`, GAS `1f` -> its definition). */
  readonly resolve: ((name: string) => string) | undefined;
}

/**
 * Register operands and small immediates are immutable and very frequent (200,000 instructions
 * in a 5 MB `.s`), so one shared object stands for each: it halves what the parse allocates.
 */
const regOperands = new Map<string, RegOperand>();
const attRegOperands = new Map<string, RegOperand>();
const immOperands = new Map<number, ImmOperand>();
const SYMBOLIC_IMM: ImmOperand = { kind: 'imm', value: undefined };

/** The shared operand for canonical register `reg`. */
export function regOperand(reg: string): RegOperand {
  let op = regOperands.get(reg);
  if (op === undefined) {
    op = { kind: 'reg', reg };
    regOperands.set(reg, op);
  }
  return op;
}

/** An immediate operand, shared for small integers. */
export function immOperand(value: number | undefined): ImmOperand {
  if (value === undefined) return SYMBOLIC_IMM;
  if (!Number.isInteger(value) || value < -1024 || value > 65536) return { kind: 'imm', value };
  let op = immOperands.get(value);
  if (op === undefined) {
    op = { kind: 'imm', value };
    immOperands.set(value, op);
  }
  return op;
}

const NEEDS_CAREFUL_SPLIT = /[()[\]{}"']/;

/** An AVX-512 decoration on an operand: an opmask (`{k1}`, `{%k1}`), zeroing (`{z}`), a broadcast (`{1to16}`). */
const DECORATION = /\{\s*(?:%?k[0-7]|z|1to\d+)\s*\}/g;
/** An operand that is only an embedded rounding or exception-suppression control (`{rn-sae}`, `{sae}`). */
const ROUNDING = /^\{\s*(?:r[nduz]-)?sae\s*\}$/;

/**
 * The operands without their AVX-512 decorations, which say which elements are written and do not
 * move the address: `vmovdqu32 %zmm0,-64(%rsp){%k1}` stores below RSP like any store, and must
 * not become an instruction the analysis cannot read (which would drop the store unseen).
 * Rounding controls, operands of their own, are left out. Any other brace stays, and fails to parse.
 */
export function withoutDecorations(raw: string[]): string[] {
  if (!raw.some((operand) => operand.includes('{'))) return raw;
  const out: string[] = [];
  for (const operand of raw) {
    if (!operand.includes('{')) out.push(operand);
    else if (!ROUNDING.test(operand)) {
      const stripped = operand.replace(DECORATION, '').trim();
      out.push(stripped.length > 0 ? stripped : operand);
    }
  }
  return out;
}

/** Splits an operand list at top-level commas (not inside `()`, `[]`, `{}` or quotes). */
export function splitOperands(text: string): string[] {
  // Without brackets or quotes, a native split does it (`%rax, %rbx`, `$1, %eax`).
  if (!NEEDS_CAREFUL_SPLIT.test(text)) {
    const parts = text.split(',');
    for (let i = 0; i < parts.length; i++) parts[i] = parts[i].trim();
    return parts.length === 1 && parts[0].length === 0 ? [] : parts;
  }
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === 92 /* \ */) i++;
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last.length > 0 || parts.length > 0) parts.push(last);
  return parts;
}

/** Parses one AT&T operand. `indirect` reports a leading `*` (`jmp *%rax`, `call *8(%rax)`). */
export function parseAttOperand(raw: string, ctx: OperandContext, memSize?: number): Operand | undefined {
  let s = raw;
  let indirect = false;
  if (s.charCodeAt(0) === 42 /* * */) {
    indirect = true;
    s = s.slice(1).trim();
  }
  if (s.length === 0) return undefined;
  const c0 = s.charCodeAt(0);
  if (c0 === 37 /* % */) {
    const cached = attRegOperands.get(s);
    if (cached !== undefined) return cached;
    const reg = canonicalRegister(s.slice(1).trim());
    if (reg !== undefined) {
      const op = regOperand(reg);
      if (attRegOperands.size < 4096) attRegOperands.set(s, op);
      return op;
    }
  }
  if (c0 === 36 /* $ */) {
    if (indirect) return undefined;
    const value = parseDisplacement(s.slice(1));
    if (value === undefined) return undefined;
    return immOperand(value.symbol === undefined ? value.disp : undefined);
  }
  if (ctx.branch && !indirect) {
    const target = parseTarget(s, ctx);
    if (target !== undefined) return target;
  }
  return parseAttMemory(s, ctx, memSize);
}

/** `seg:disp(base,index,scale)` with every part optional. */
function parseAttMemory(text: string, ctx: OperandContext, size: number | undefined): MemOperand | undefined {
  // The shape compilers emit most, `-8(%rbp)` or `16(%rsp,%rcx,4)`, by one native match.
  const simple = SIMPLE_ATT_MEMORY.exec(text);
  if (simple !== null) {
    const base = canonicalRegister(simple[2]);
    const index = simple[3] === undefined ? undefined : canonicalRegister(simple[3]);
    const disp = simple[1] === undefined ? 0 : parseSigned(simple[1]);
    if (base !== undefined && (simple[3] === undefined || index !== undefined) && disp !== undefined) {
      return { kind: 'mem', base, index, scale: simple[4] === undefined ? 1 : Number(simple[4]), disp, symbol: undefined, segment: undefined, size };
    }
  }
  let s = text;
  let segment: string | undefined;
  if (s.charCodeAt(0) === 37 /* % */) {
    const colon = s.indexOf(':');
    if (colon < 0) return undefined;
    const seg = canonicalRegister(s.slice(1, colon).trim());
    if (seg === undefined || !isSegmentRegister(seg)) return undefined;
    segment = seg;
    s = s.slice(colon + 1).trim();
  }
  let base: string | undefined;
  let index: string | undefined;
  let scale = 1;
  let dispText = s;
  if (s.length > 0 && s.charCodeAt(s.length - 1) === 41 /* ) */) {
    const open = s.lastIndexOf('(');
    if (open < 0) return undefined;
    const inner = s.slice(open + 1, -1);
    // `(8+4)` alone is a parenthesized displacement, not a base register.
    if (inner.includes('%') || inner.trim().startsWith(',')) {
      const parts = inner.split(',');
      if (parts.length > 3) return undefined;
      const b = parts[0].trim();
      if (b.length > 0) {
        base = b.charCodeAt(0) === 37 ? canonicalRegister(b.slice(1)) : undefined;
        if (base === undefined) return undefined;
      }
      if (parts.length > 1) {
        const x = parts[1].trim();
        if (x.length > 0) {
          index = x.charCodeAt(0) === 37 ? canonicalRegister(x.slice(1)) : undefined;
          if (index === undefined) return undefined;
        }
      }
      if (parts.length > 2) {
        const sc = parseSigned(parts[2].trim());
        if (sc !== 1 && sc !== 2 && sc !== 4 && sc !== 8) return undefined;
        scale = sc;
      }
      dispText = s.slice(0, open);
    }
  }
  let disp = 0;
  let symbol: string | undefined;
  if (dispText.trim().length > 0) {
    const d = parseDisplacement(dispText);
    if (d === undefined) return undefined;
    disp = d.disp;
    symbol = d.symbol === undefined ? undefined : resolveName(d.symbol, ctx);
  } else if (base === undefined && index === undefined) return undefined;
  return { kind: 'mem', base, index, scale, disp, symbol, segment, size };
}

/** `disp(%base)` or `disp(%base,%index[,scale])` with a numeric displacement. */
const SIMPLE_ATT_MEMORY = /^(-?(?:0x[0-9a-fA-F]+|[1-9][0-9]*|0))?\(%([a-z0-9]+)(?:,%([a-z0-9]+)(?:,([1248]))?)?\)$/;

/** Intel operand sizes, as GAS (`QWORD PTR`), NASM (`qword`) and capstone (`qword ptr`) write them. */
const INTEL_SIZES: Readonly<Record<string, number>> = {
  byte: 1,
  word: 2,
  dword: 4,
  fword: 6,
  qword: 8,
  mmword: 8,
  tbyte: 10,
  xword: 10,
  tword: 10,
  oword: 16,
  xmmword: 16,
  dqword: 16,
  ymmword: 32,
  qqword: 32,
  zmmword: 64,
};

/** Words that may precede an Intel operand and do not change what it denotes. */
const INTEL_NOISE = new Set(['ptr', 'short', 'near', 'far', 'strict']);

/** Parses one Intel operand (GAS Intel, NASM, capstone or objdump `-M intel`). */
export function parseIntelOperand(raw: string, ctx: OperandContext): Operand | undefined {
  let s = raw.trim();
  let size: number | undefined;
  // Leading size and distance keywords: `QWORD PTR`, `qword`, `short`, `strict dword`.
  for (let guard = 0; guard < 4; guard++) {
    const word = leadingWord(s);
    if (word.length === 0 || word.length === s.length) break;
    const lower = word.toLowerCase();
    const sz = INTEL_SIZES[lower];
    if (sz !== undefined) size = sz;
    else if (!INTEL_NOISE.has(lower)) break;
    s = s.slice(word.length).trim();
  }
  if (s.length === 0) return undefined;
  const lowerStart = s.length > 6 ? s.slice(0, 7).toLowerCase() : '';
  if (lowerStart === 'offset ') {
    // `OFFSET FLAT:.LC0`: the address of a symbol, an immediate.
    let rest = s.slice(7).trim();
    if (rest.slice(0, 5).toLowerCase() === 'flat:') rest = rest.slice(5);
    const d = parseDisplacement(rest);
    if (d === undefined) return undefined;
    return immOperand(d.symbol === undefined ? d.disp : undefined);
  }
  // gcc -masm=intel: `jmp [QWORD PTR .L4[0+rax*8]]` wraps a memory operand in brackets again.
  // The wrapping is peeled in a loop (once in compiler output): a recursion per level ran out of
  // stack on operands nested thousands of brackets deep.
  if (s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93 && s.indexOf('[', 1) > 0) {
    let lo = 1;
    let hi = s.length - 1;
    for (;;) {
      while (lo < hi && (s.charCodeAt(lo) === 32 || s.charCodeAt(lo) === 9)) lo++;
      while (hi > lo && (s.charCodeAt(hi - 1) === 32 || s.charCodeAt(hi - 1) === 9)) hi--;
      const next = s.indexOf('[', lo + 1);
      if (!(hi - lo >= 2 && s.charCodeAt(lo) === 91 && s.charCodeAt(hi - 1) === 93 && next > 0 && next < hi)) break;
      lo++;
      hi--;
    }
    const inner = parseIntelOperand(s.slice(lo, hi), ctx);
    return inner !== undefined && inner.kind === 'mem' ? inner : undefined;
  }
  const bracket = s.indexOf('[');
  if (bracket >= 0) return parseIntelMemory(s, bracket, size, ctx);
  const reg = canonicalRegister(s);
  if (reg !== undefined) return regOperand(reg);
  // `fs:40`, `DWORD PTR fs:0x28`, `FLAT:foo`: a segment with an absolute address.
  const colon = s.indexOf(':');
  if (colon > 0) {
    const seg = canonicalRegister(s.slice(0, colon).trim());
    const rest = s.slice(colon + 1).trim();
    const d = parseDisplacement(rest, numberFlavor(ctx));
    if (d === undefined) return undefined;
    const symbol = d.symbol === undefined ? undefined : resolveName(d.symbol, ctx);
    if (seg !== undefined && isSegmentRegister(seg)) {
      return { kind: 'mem', base: undefined, index: undefined, scale: 1, disp: d.disp, symbol, segment: seg, size };
    }
    if (s.slice(0, colon).toLowerCase() !== 'flat') return undefined;
    return { kind: 'mem', base: undefined, index: undefined, scale: 1, disp: d.disp, symbol, segment: undefined, size };
  }
  if (ctx.branch) {
    const target = parseTarget(s, ctx);
    if (target !== undefined) return target;
  }
  const d = parseDisplacement(s, numberFlavor(ctx));
  if (d === undefined) return undefined;
  // GAS Intel reads a bare symbol (or a sized number) as memory: `mov eax, foo` loads from foo.
  if (ctx.flavor === 'gas' && (d.symbol !== undefined || size !== undefined)) {
    const symbol = d.symbol === undefined ? undefined : resolveName(d.symbol, ctx);
    return { kind: 'mem', base: undefined, index: undefined, scale: 1, disp: d.disp, symbol, segment: undefined, size };
  }
  return immOperand(d.symbol === undefined ? d.disp : undefined);
}

/** `[base+index*scale+disp]`, optionally preceded by `seg:` or a displacement (`.L4[0+rax*8]`). */
function parseIntelMemory(s: string, bracket: number, size: number | undefined, ctx: OperandContext): MemOperand | undefined {
  const close = s.lastIndexOf(']');
  if (close < bracket) return undefined;
  if (s.slice(close + 1).trim().length > 0) return undefined;
  let before = s.slice(0, bracket).trim();
  let segment: string | undefined;
  const colon = before.indexOf(':');
  if (colon >= 0) {
    segment = canonicalRegister(before.slice(0, colon).trim());
    if (segment === undefined || !isSegmentRegister(segment)) return undefined;
    before = before.slice(colon + 1).trim();
  }
  const flavor = numberFlavor(ctx);
  let disp = 0;
  let symbol: string | undefined;
  if (before.length > 0) {
    const d = parseDisplacement(before, flavor);
    if (d === undefined) return undefined;
    disp = d.disp;
    symbol = d.symbol;
  }
  let base: string | undefined;
  let index: string | undefined;
  let scale = 1;
  let ripRelative = false;
  const inner = s.slice(bracket + 1, close);
  for (const part of signedTerms(inner)) {
    let term = part.term;
    const termSign = part.sign;
    // NASM: `[rel foo]`, `[abs foo]`, `[fs:rax]`, `[qword rsp]`.
    const word = leadingWord(term).toLowerCase();
    if ((word === 'rel' || word === 'abs' || INTEL_SIZES[word] !== undefined) && word.length < term.length) {
      // NASM `[rel foo]` is RIP-relative, as GAS writes `foo(%rip)`.
      if (word === 'rel') ripRelative = true;
      term = term.slice(word.length).trim();
    }
    const termColon = term.indexOf(':');
    if (termColon > 0) {
      const seg = canonicalRegister(term.slice(0, termColon).trim());
      if (seg === undefined || !isSegmentRegister(seg)) return undefined;
      segment = seg;
      term = term.slice(termColon + 1).trim();
    }
    const star = term.indexOf('*');
    if (star > 0) {
      const left = term.slice(0, star).trim();
      const right = term.slice(star + 1).trim();
      const leftReg = canonicalRegister(left);
      const rightReg = leftReg === undefined ? canonicalRegister(right) : undefined;
      const reg = leftReg ?? rightReg;
      if (reg !== undefined) {
        const sc = parseSigned(leftReg !== undefined ? right : left, flavor);
        if (termSign < 0 || index !== undefined || (sc !== 1 && sc !== 2 && sc !== 4 && sc !== 8)) return undefined;
        index = reg;
        scale = sc;
        continue;
      }
    }
    const reg = canonicalRegister(term);
    if (reg !== undefined) {
      if (termSign < 0) return undefined;
      if (base === undefined) base = reg;
      else if (index === undefined) index = reg;
      else return undefined;
      continue;
    }
    const d = parseDisplacement(term, flavor);
    if (d === undefined) return undefined;
    disp += termSign * d.disp;
    if (d.symbol !== undefined) symbol = symbol === undefined && termSign > 0 ? d.symbol : `${symbol ?? ''}${termSign < 0 ? '-' : '+'}${d.symbol}`;
  }
  if (symbol !== undefined) symbol = resolveName(symbol, ctx);
  if (ripRelative && base === undefined) base = 'rip';
  return { kind: 'mem', base, index, scale, disp, symbol, segment, size };
}

/**
 * The branch operand `text[a, b)` when it is a plain label (`.L93`, `sqlite3Malloc`): a letter,
 * `_` or `.` and then letters, digits, `_`, `.` or `$`. For such text `parseAttOperand` in a
 * branch context with the GAS resolver (which renames only `1f`/`1b`) gives exactly this target:
 * no `@PLT` to drop, no number, no `*`. The fast AT&T reader makes it without the general path.
 */
export function plainTargetAt(text: string, a: number, b: number): TargetOperand | undefined {
  if (a >= b) return undefined;
  const c0 = text.charCodeAt(a);
  const lower0 = c0 | 32;
  if (!((lower0 >= 97 && lower0 <= 122) || c0 === 95 || c0 === 46)) return undefined;
  for (let i = a + 1; i < b; i++) {
    const c = text.charCodeAt(i);
    const lower = c | 32;
    if (!((lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 36)) return undefined;
  }
  return { kind: 'target', name: text.slice(a, b), address: undefined };
}

/**
 * A direct branch target: `.L3`, `foo@PLT`, `1f`, capstone `0x1139`, objdump `1030 <puts@plt>`
 * or `25 <sw+0x25>`. `@PLT` is dropped from names: `call foo@PLT` calls `foo`.
 */
function parseTarget(s: string, ctx: OperandContext): TargetOperand | undefined {
  const lt = s.indexOf('<');
  if (lt > 0 && s.charCodeAt(s.length - 1) === 62 /* > */) {
    const address = parseTargetNumber(s.slice(0, lt).trim(), ctx);
    const name = s.slice(lt + 1, -1).trim();
    if (address === undefined || name.length === 0) return undefined;
    return { kind: 'target', name: stripPlt(name), address };
  }
  const address = parseTargetNumber(s, ctx);
  if (address !== undefined) return { kind: 'target', name: s, address };
  if (!isSymbolText(s)) return undefined;
  return { kind: 'target', name: resolveName(stripPlt(s), ctx), address: undefined };
}

function parseTargetNumber(s: string, ctx: OperandContext): number | undefined {
  if (s.length === 0) return undefined;
  if (ctx.objdumpTargets && !s.startsWith('0x')) return parseHexDigits(s);
  const c = s.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  return parseSigned(s, numberFlavor(ctx));
}

function stripPlt(name: string): string {
  return name.endsWith('@PLT') || name.endsWith('@plt') ? name.slice(0, -4) : name;
}

function resolveName(name: string, ctx: OperandContext): string {
  return ctx.resolve === undefined ? name : ctx.resolve(name);
}

function numberFlavor(ctx: OperandContext): NumberFlavor {
  return ctx.flavor === 'nasm' ? 'nasm' : 'gas';
}

/** The run of letters, digits, `_` and `.` at the start of `s`. */
function leadingWord(s: string): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const lower = c | 32;
    if ((lower >= 97 && lower <= 122) || (c >= 48 && c <= 57 && i > 0) || c === 95) i++;
    else break;
  }
  return s.slice(0, i);
}
