/**
 * The instruction IR shared by every input kind.
 *
 * The text parsers (AT&T, Intel, NASM, objdump listings) and the object path (capstone) all lower
 * into these types, so that exactly one module (`analysis/semantics.ts`) knows what an x86
 * instruction does to the stack.
 * Operands are always in Intel order: destination first, as the Intel SDM writes them.
 * Registers are always spelled in their canonical lowercase name (`rax`, `eax`, `r8d`, `xmm0`).
 */

/** Input kinds that redzone-lint reads as text. */
export type TextSyntax = 'att' | 'intel' | 'nasm' | 'objdump-att' | 'objdump-intel';

/** A half-open range of UTF-16 offsets into the analyzed text: `[start, end)`. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A general-purpose or other register operand. */
export interface RegOperand {
  readonly kind: 'reg';
  /** Canonical lowercase name as written: `rsp`, `esp`, `r10d`, `al`, `xmm3`, `cr0`. */
  readonly reg: string;
}

/** An immediate. `value` is undefined when the immediate is symbolic (`$foo`, `OFFSET bar`). */
export interface ImmOperand {
  readonly kind: 'imm';
  readonly value: number | undefined;
}

/** A memory operand: `segment:disp(base,index,scale)` in AT&T, `[base+index*scale+disp]` in Intel. */
export interface MemOperand {
  readonly kind: 'mem';
  readonly base: string | undefined;
  readonly index: string | undefined;
  readonly scale: number;
  /** The numeric part of the displacement (0 when absent). */
  readonly disp: number;
  /** The symbol in the displacement (`.L4` in `.L4(,%rax,8)`), or undefined. */
  readonly symbol: string | undefined;
  readonly segment: string | undefined;
  /** Access size in bytes when the syntax states it (`qword ptr`, `movq`), else undefined. */
  readonly size: number | undefined;
}

/** A branch or call target that is a symbol or label (`call foo`, `jmp .L3`, objdump `<foo+0x10>`). */
export interface TargetOperand {
  readonly kind: 'target';
  readonly name: string;
  /** The absolute address, for objdump listings and objects. */
  readonly address: number | undefined;
}

export type Operand = RegOperand | ImmOperand | MemOperand | TargetOperand;

/** One decoded instruction. */
export interface Instruction {
  /** Lowercase mnemonic with the AT&T size suffix removed where it is one (`movq` -> `mov`). */
  readonly mnemonic: string;
  /** The mnemonic's id in the x86 table (`x86/opcodes.ts`), `UNKNOWN_OPCODE` (0) for a word it does not know. */
  readonly opcode: number;
  /** Prefixes such as `lock`, `rep`, `repe`, `repne`, `notrack`, `bnd`. */
  readonly prefixes: readonly string[];
  /** Operand size in bytes from an AT&T suffix (`q` = 8), or undefined. */
  readonly suffixSize: number | undefined;
  /** Destination first. */
  readonly operands: readonly Operand[];
  /** True when the text could not be understood; the analysis treats it conservatively. */
  readonly unknown: boolean;
  /** The instruction's text as written, trimmed, for messages. */
  readonly text: string;
  /** Where the instruction text lies in the input. */
  readonly span: Span;
  /** 0-based line of the instruction in the input text. */
  readonly line: number;
  /** Address, for objdump listings and objects. */
  readonly address: number | undefined;
  /** Encoded length in bytes when known (objects, objdump with raw bytes). */
  readonly length: number | undefined;
}

/** A label definition (`foo:`, `.L3:`, objdump `0000000000001139 <foo>:`). */
export interface LabelItem {
  readonly kind: 'label';
  readonly name: string;
  readonly line: number;
  readonly span: Span;
  readonly address: number | undefined;
}

/** A directive the analysis cares about, already interpreted by the parser. */
export type DirectiveItem =
  | { readonly kind: 'type-function'; readonly name: string; readonly line: number } // .type foo, @function
  | { readonly kind: 'size'; readonly name: string; readonly line: number } // .size foo, .-foo
  | { readonly kind: 'global'; readonly name: string; readonly line: number } // .globl foo / global foo
  | { readonly kind: 'section'; readonly name: string; readonly line: number } // .text / section .text
  | { readonly kind: 'data'; readonly values: readonly string[]; readonly width: number; readonly line: number } // .quad .L5, .L6 / dq / .long .L5-.L4
  | { readonly kind: 'file'; readonly fileNumber: number; readonly path: string; readonly line: number } // .file 1 "a.c"
  | { readonly kind: 'loc'; readonly fileNumber: number; readonly sourceLine: number; readonly line: number } // .loc 1 12 5
  | { readonly kind: 'source-line'; readonly path: string; readonly sourceLine: number; readonly line: number } // objdump -l: /tmp/a.c:12
  | { readonly kind: 'bits'; readonly bits: 16 | 32 | 64; readonly line: number } // bits 32 / .code32
  | { readonly kind: 'function-header'; readonly name: string; readonly address: number | undefined; readonly line: number }; // objdump <sym>:

export type AsmItem = ({ readonly kind: 'insn' } & { readonly insn: Instruction; readonly line: number }) | LabelItem | DirectiveItem;

/** A comment, kept for magic comments (`redzone: kernel`) and `redzone-ignore`. */
export interface Comment {
  readonly line: number;
  readonly text: string;
}

/** The result of parsing a text input. Parsing never fails; problems are listed instead. */
export interface ParsedAsm {
  readonly syntax: TextSyntax;
  /** Why this syntax was chosen: "directive .intel_syntax on line 3", "forced by --syntax". */
  readonly syntaxReason: string;
  readonly items: readonly AsmItem[];
  readonly comments: readonly Comment[];
  /** Lines that were not understood, 0-based, with a short reason. */
  readonly problems: readonly { readonly line: number; readonly message: string }[];
}
