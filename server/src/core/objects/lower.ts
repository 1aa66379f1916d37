/**
 * Lowers one decoded instruction to the IR.
 *
 * When the disassembler gives the operands from its own tables (capstone's detail mode), they go
 * straight into the IR and the Intel text is kept only for the listing and for messages. The text
 * is parsed instead (with the one Intel parser, `parseIntelInstructionText`) where the tables do
 * not describe an instruction the way the text does, so that both readings give the same IR:
 * AVX-512 masks and broadcasts (`{k1}`, `{1to8}`), far pointers (`ljmp 0x10:0x1000`), `.byte`
 * entries, mnemonics the IR does not know, and operand counts that differ from the text's.
 * `test/unit/objects-detail.test.ts` decodes real objects both ways and compares the results.
 *
 * The decoder also says which instructions write the stack pointer. One that does so while the
 * analysis does not model it as a stack-pointer write (an instruction it does not know, or one
 * whose write is implicit and not among the cases `analysis/transfer.ts` handles) is marked
 * unknown and given `rsp` as an operand: the analysis takes an unknown instruction to write the
 * registers it names, so it loses the stack pointer there and says so (`stack-unknown`) instead
 * of trusting a wrong offset. Capstone 5.0-rc2's tables name no such instruction in the objects
 * the tests decode (its implicit RSP writers are push, pop, call, ret, leave, pushf and popf);
 * the check is for what they do not cover and for other decoders.
 */
import { describe, endsPath } from '../analysis/semantics';
import { gpr, RSP } from '../analysis/registers';
import { instructionText, type DecodedInstruction, type RawInstruction } from '../elf/index';
import type { Instruction, Operand, Span } from '../ir';
import { parseIntelInstructionText } from '../syntax/index';
import { internMnemonic, isBranchMnemonic, isKnownMnemonic, prefixName } from '../syntax/mnemonics';
import { isDirectBranchOpcode, movesStackImplicitly, opcodeOf } from '../x86/opcodes';

const NO_SPAN: Span = { start: 0, end: 0 };
const NO_PREFIXES: readonly string[] = [];
const HEX_ADDRESS = /^0x[0-9a-f]{1,16}$/;

/** Lowers `raw`, printed on listing line `line`; `mode` decides the stack pointer's name. */
export function lower(raw: RawInstruction, line: number, mode: 32 | 64): Instruction {
  return checkStackWrite(lowerPlain(raw, line), raw.writesStackPointer === true, mode);
}

/** The text of the instruction of `length` bytes at `address`, asked of the text disassembler. */
export type TextOf = (address: number, length: number) => string;

/**
 * An instruction the analysis decoder stated (`Disassembler.decode`). Its text, which only
 * messages and listings read, is asked of the text disassembler when first read: a module without
 * findings formats no text at all.
 */
class DecodedInsn implements Instruction {
  readonly suffixSize = undefined;
  readonly span = NO_SPAN;
  private formatted: string | undefined;
  constructor(
    readonly mnemonic: string,
    /** The mnemonic's id in the x86 table, as the decoder found it. */
    readonly opcode: number,
    readonly prefixes: readonly string[],
    readonly operands: readonly Operand[],
    readonly unknown: boolean,
    readonly line: number,
    /** Where the bytes are, for the text; `address` is the same unless the instruction was `detached`. */
    readonly at: number,
    readonly length: number,
    readonly textOf: TextOf,
    readonly address: number | undefined,
  ) {}

  get text(): string {
    return (this.formatted ??= this.textOf(this.at, this.length));
  }
}

/** Lowers an instruction of the analysis decoder; its text comes from `textOf` when read. */
export function lowerDecoded(decoded: DecodedInstruction, line: number, mode: 32 | 64, textOf: TextOf): Instruction {
  if (decoded.fallback !== undefined) return lower(decoded.fallback, line, mode);
  const insn = new DecodedInsn(decoded.mnemonic, decoded.opcode, decoded.prefixes, decoded.operands, false, line, decoded.address, decoded.length, textOf, decoded.address);
  return checkStackWrite(insn, decoded.writesStackPointer, mode);
}

/**
 * `insn` with other operands (and, when given, another `unknown` flag). An instruction of the
 * analysis decoder stays one, so that its text is still formatted only when read: a spread would
 * read it.
 */
export function withOperands(insn: Instruction, operands: readonly Operand[], unknown = insn.unknown): Instruction {
  if (insn instanceof DecodedInsn) return new DecodedInsn(insn.mnemonic, insn.opcode, insn.prefixes, operands, unknown, insn.line, insn.at, insn.length, insn.textOf, insn.address);
  return { ...insn, operands, unknown };
}

/**
 * `insn` without an address, its text unchanged: an instruction analyzed inside a function it does
 * not lie in (an alternative's replacement), whose address in its own section must not be taken
 * for the address of the function's instruction there.
 */
export function detached(insn: Instruction): Instruction {
  if (insn instanceof DecodedInsn) return new DecodedInsn(insn.mnemonic, insn.opcode, insn.prefixes, insn.operands, insn.unknown, insn.line, insn.at, insn.length, insn.textOf, undefined);
  return { ...insn, address: undefined };
}

/** Marks `insn` unknown when the decoder says it writes the stack pointer and the analysis does not model that write. */
function checkStackWrite(insn: Instruction, writesStackPointer: boolean, mode: 32 | 64): Instruction {
  if (!writesStackPointer) return insn;
  if (insn.unknown ? insn.operands.some((op) => op.kind === 'reg' && gpr(op.reg)?.slot === RSP) : modelsStackWrite(insn, mode)) return insn;
  const sp: Operand = { kind: 'reg', reg: mode === 64 ? 'rsp' : 'esp' };
  return withOperands(insn, [...insn.operands, sp], true);
}

/** The IR of `raw` as the decoder describes it, without the stack-pointer check of `lower`. */
export function lowerPlain(raw: RawInstruction, line: number): Instruction {
  return (raw.operands !== undefined ? fromOperands(raw, line) : undefined) ?? fromText(raw, line);
}

/**
 * The text reading, except direct branches (`jne 0x56`, `call 0x1139`): a quarter of all
 * instructions, and, because every one names another address, most of the distinct texts, which
 * the parser's statement cache cannot share. Their IR is the parser's for that text.
 */
export function fromText(raw: RawInstruction, line: number): Instruction {
  const text = instructionText(raw);
  const words = wordsOf(raw.mnemonic);
  if (words.direct && words.prefixes.length === 0 && HEX_ADDRESS.test(raw.opStr)) {
    const branch = directBranch(raw, NO_PREFIXES, raw.mnemonic, line, text);
    if (branch !== undefined) return branch;
  }
  return parseIntelInstructionText(text, { line, span: NO_SPAN, address: raw.address, length: raw.length });
}

/** What the decoder's mnemonic field (`rep stosq`, `lock add`, `mov`) says, worked out once per spelling. */
interface MnemonicWords {
  readonly prefixes: readonly string[];
  /** The interned mnemonic, or undefined when the IR does not know it or a prefix is not one. */
  readonly mnemonic: string | undefined;
  readonly branch: boolean;
  readonly direct: boolean;
}

/** Distinct mnemonic fields are a few hundred; the cap only guards against a hostile decoder. */
const mnemonicWords = new Map<string, MnemonicWords>();

function wordsOf(field: string): MnemonicWords {
  let words = mnemonicWords.get(field);
  if (words !== undefined) return words;
  let prefixes = NO_PREFIXES;
  let word = field;
  let known = true;
  const space = field.lastIndexOf(' ');
  if (space >= 0) {
    const names: string[] = [];
    for (const w of field.slice(0, space).split(' ')) {
      const prefix = prefixName(w, true);
      if (prefix === undefined) known = false;
      else names.push(prefix);
    }
    prefixes = names;
    word = field.slice(space + 1);
  }
  const mnemonic = internMnemonic(word);
  known &&= isKnownMnemonic(mnemonic);
  words = { prefixes, mnemonic: known ? mnemonic : undefined, branch: isBranchMnemonic(mnemonic), direct: isDirectBranchOpcode(opcodeOf(mnemonic)) };
  if (mnemonicWords.size < 4096) mnemonicWords.set(field, words);
  return words;
}

/** The detail reading; undefined where it would not match the text's (see the module comment). */
export function fromOperands(raw: RawInstruction, line: number): Instruction | undefined {
  const operands = raw.operands;
  const opStr = raw.opStr;
  if (operands === undefined || opStr.includes('{') || opStr.includes(':0x')) return undefined;
  const words = wordsOf(raw.mnemonic);
  const mnemonic = words.mnemonic;
  if (mnemonic === undefined || operands.length !== textOperandCount(opStr)) return undefined;
  const text = instructionText(raw);
  let sized = false;
  for (const op of operands) {
    // Branches name code addresses; the text reading turns the plain ones into targets.
    if (op.kind === 'imm' && words.branch) {
      return operands.length === 1 && words.direct && HEX_ADDRESS.test(opStr) ? directBranch(raw, words.prefixes, mnemonic, line, text) : undefined;
    }
    if (op.kind === 'mem' && op.size !== undefined) sized = true;
  }
  // The IR's size is the one the text states (`qword ptr`); capstone prints none for `lea`, and a
  // bare `ptr` for the variable-size areas of `xsave` and `xrstor`, where its size would be wrong.
  let ops: readonly Operand[] = operands;
  if (sized && !sizeStated(opStr)) ops = operands.map((op) => (op.kind === 'mem' && op.size !== undefined ? { ...op, size: undefined } : op));
  return instruction(mnemonic, words.prefixes, ops, false, text, line, raw);
}

/** `call 0x1139` as a target operand; undefined when the address is not a safe integer. */
function directBranch(raw: RawInstruction, prefixes: readonly string[], mnemonic: string, line: number, text: string): Instruction | undefined {
  const address = Number.parseInt(raw.opStr.slice(2), 16);
  if (!Number.isSafeInteger(address)) return undefined;
  return instruction(mnemonic, prefixes, [{ kind: 'target', name: raw.opStr, address }], false, text, line, raw);
}

/** Builds an instruction with the property order of the parser's, so both share one object shape. */
function instruction(mnemonic: string, prefixes: readonly string[], operands: readonly Operand[], unknown: boolean, text: string, line: number, raw: RawInstruction): Instruction {
  return { mnemonic, opcode: opcodeOf(mnemonic), prefixes, suffixSize: undefined, operands, unknown, text, span: NO_SPAN, line, address: raw.address, length: raw.length };
}

/** True when the text names a memory operand's size: `ptr` after a size word (`qword ptr`), not alone. */
function sizeStated(opStr: string): boolean {
  const at = opStr.indexOf('ptr');
  return at > 0 && opStr.charCodeAt(at - 1) === 32 && opStr.charCodeAt(at - 2) !== 44 /* , */;
}

/**
 * Operands the text shows: commas plus one; 0 for no text. Intel operands hold no commas of their
 * own (AVX-512 masks, the one exception, never reach this count).
 */
function textOperandCount(opStr: string): number {
  if (opStr.length === 0) return 0;
  let count = 1;
  for (let at = opStr.indexOf(','); at >= 0; at = opStr.indexOf(',', at + 1)) count++;
  return count;
}

/** True when the analysis accounts for the stack-pointer write of `insn` (`movesStackImplicitly`, or an RSP operand). */
export function modelsStackWrite(insn: Instruction, mode: 32 | 64): boolean {
  if (movesStackImplicitly(insn.opcode)) return true;
  const effect = describe(insn, mode === 64 ? 8 : 4);
  return endsPath(effect.flow) || (effect.writes & (1 << RSP)) !== 0;
}
