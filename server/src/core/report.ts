/**
 * What the analysis returns: plain data, no LSP and no file paths.
 * The CLI (`cli/format-text.ts`, `cli/format-json.ts`, `cli/format-sarif.ts`) and the language
 * server (`lsp/convert.ts`) translate it.
 */
import type { FindingCode, Severity } from './findings';
import type { Span, TextSyntax } from './ir';

/** The ABI decides how many bytes below the stack pointer a function may use. */
export type Abi = 'sysv' | 'ms' | 'i386';

/** Why an input counts as kernel (or user) code; shown in every finding and hover. */
export interface KernelVerdict {
  readonly kernel: boolean;
  /** A full sentence, e.g. "line 1 has the magic comment `redzone: kernel`". */
  readonly reason: string;
}

/** A place in the input that a finding points at, besides its own span. */
export interface RelatedLocation {
  readonly line: number;
  readonly span: Span;
  /** e.g. "the frame is set up here: `push %rbp`" or "this `call` overwrites [RSP-8, RSP)". */
  readonly message: string;
  /** The C source position of that instruction, from `.loc` or DWARF, when known. */
  readonly source?: { readonly path: string; readonly line: number };
}

/** One finding. Lines are 0-based here; the CLI and LSP convert. */
export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  /** The function's symbol name. */
  readonly function: string;
  readonly line: number;
  readonly span: Span;
  /** Only for memory accesses. */
  readonly kind: 'store' | 'load' | undefined;
  /** Offset of the access relative to the current stack pointer (negative = below). */
  readonly offset: number | undefined;
  /** Access size in bytes. */
  readonly size: number | undefined;
  readonly kernelReason: string;
  /** C source position from `.loc` or DWARF, when known. */
  readonly source: { readonly path: string; readonly line: number } | undefined;
  readonly related: readonly RelatedLocation[];
  /**
   * For `red-zone-clobbered`: the instruction that overwrote the data and where the data was. A
   * function is checked apart from the lines above it, so the message is rebuilt from these facts
   * (`clobberedMessage`) whenever the finding's lines move into whole-file lines.
   */
  readonly clobber?: ClobberFacts;
}

/** What the message of a `red-zone-clobbered` finding says. */
export interface ClobberFacts {
  /** 0-based line of the `call`, `push` or `pushf` that overwrote the data. */
  readonly line: number;
  /** That instruction, as quoted in the message. */
  readonly instruction: string;
  /** Where the read goes, e.g. "RSP-4 (through %rbp)". */
  readonly where: string;
}

/** Per-function facts, for document symbols, code lenses and statistics. */
export interface FunctionSummary {
  readonly name: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly span: Span;
  /**
   * Bytes the function's body runs below its entry RSP (excluding the return address): the RSP
   * most of its instructions see, so a moment's `pushf` or a call's pushed arguments do not count.
   * Undefined when the stack pointer is lost somewhere.
   */
  readonly frameSize: number | undefined;
  /** Largest number of bytes used below the current RSP. */
  readonly redZoneBytes: number;
  /** True when the analysis lost track of the stack pointer somewhere in the function. */
  readonly stackUnknown: boolean;
  readonly findingCount: number;
  /** The function's source position: the first `.loc` after its label, else that of its first instruction that has one (DWARF for objects). */
  readonly source?: { readonly path: string; readonly line: number };
}

/** The result of analyzing one input. */
export interface Report {
  readonly input: string; // e.g. 'att', 'intel', 'nasm', 'objdump-att', 'elf64'
  readonly inputReason: string;
  readonly kernel: KernelVerdict;
  readonly abi: Abi;
  readonly functions: readonly FunctionSummary[];
  readonly findings: readonly Finding[];
  /** Non-fatal problems (unparsed lines and the like), 0-based lines. */
  readonly problems: readonly { readonly line: number; readonly message: string }[];
}

export type { TextSyntax };

/** One row of the stack frame drawn by `redzone-lint layout` and the hover. Offsets are relative to the current RSP. */
export interface FrameRow {
  /** Inclusive start, bytes relative to the current RSP (negative = below RSP). */
  readonly from: number;
  /** Exclusive end. */
  readonly to: number;
  readonly kind: 'argument' | 'return-address' | 'saved-register' | 'local' | 'red-zone' | 'unknown';
  /** e.g. "return address", "saved %rbx", "local", "red zone". */
  readonly label: string;
  /** 0-based lines of the instructions that write / read these bytes. */
  readonly writtenAt: readonly number[];
  readonly readAt: readonly number[];
}

/** The stack frame at one instruction. */
export interface FrameLayout {
  readonly function: string;
  readonly line: number;
  readonly instruction: string;
  /** The current RSP relative to the entry RSP, e.g. -24, or undefined when unknown. */
  readonly rspFromEntry: number | undefined;
  /** Where RBP points relative to the current RSP, when it holds a stack address. */
  readonly rbpFromRsp: number | undefined;
  /** Rows from the highest address down. */
  readonly rows: readonly FrameRow[];
  /** The bytes an interrupt frame would overwrite, relative to the current RSP: [-56, 0) after 16-byte alignment. */
  readonly interruptFrame: { readonly from: number; readonly to: number };
  readonly redZoneSize: number;
  readonly kernel: KernelVerdict;
  /** Findings on this instruction. */
  readonly findings: readonly Finding[];
  /** Set when the stack pointer is unknown here; the rows are then empty. */
  readonly unknownReason: string | undefined;
}
