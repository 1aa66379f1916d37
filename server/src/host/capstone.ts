/**
 * The `Disassembler` port implemented over capstone-wasm 1.0.3 (Capstone 5.0-rc2 in Emscripten).
 *
 * This deliberately bypasses the package's `Capstone.disasm` wrapper, which copies the input onto
 * the 64 KiB Emscripten stack and corrupts the process-wide module beyond a few KiB (see
 * docs/capstone-wasm.md). Instead the code is copied window by window into one `_malloc`'d heap
 * buffer, `_cs_disasm` decodes at most 1024 instructions per call, and `_cs_free` releases them
 * before the next batch, so heap use stays constant whatever the section size. SKIPDATA turns
 * undecodable bytes into `.byte` entries, so decoding always covers the whole input.
 *
 * `RawInstruction.bytes` is left out: the caller holds the code, and a view per instruction
 * measurably slowed decoding (about 0.35 µs each, 40% of the total on large sections).
 *
 * The `cs_insn` layout is version-specific, so `createCapstoneDisassembler` decodes a known
 * instruction at start-up and refuses to work when the output differs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Disassembler, DisassemblyMode, DisassemblyOptions, RawInstruction } from '../core/elf/disassembler';
import { INSN_DETAIL, readDetail, registerTable, type HeapViews, type RegisterTable } from './capstone-detail';
import { selfTest } from './capstone-selftest';

/** The Emscripten exports `loadCapstone` assigns onto the object it is given. */
interface CapstoneModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _cs_open(arch: number, mode: number, handlePtr: number): number;
  _cs_option(handle: number, type: number, value: number): number;
  _cs_disasm(handle: number, code: number, size: number, address: bigint, count: number, insnPtrPtr: number): number;
  _cs_free(insn: number, count: number): void;
  _cs_close(handlePtr: number): number;
  _cs_reg_name(handle: number, id: number): number;
  UTF8ToString(ptr: number): string;
}

// A literal require() makes esbuild bundle the package's CommonJS build. An import statement would
// select its ES module build, whose `import.meta.url` is empty inside our CommonJS bundles.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadCapstone } = require('capstone-wasm') as { loadCapstone(moduleArg?: Record<string, unknown>): Promise<void> };

const CS_ARCH_X86 = 3;
const CS_MODE_32 = 1 << 2;
const CS_MODE_64 = 1 << 3;
const CS_OPT_SYNTAX = 1;
const CS_OPT_SYNTAX_INTEL = 1;
const CS_OPT_DETAIL = 2;
const CS_OPT_SKIPDATA = 5;
const CS_OPT_ON = 3;
const CS_OPT_OFF = 0;
/** `sizeof(cs_insn)` and field offsets for Capstone 5.0-rc2 on wasm32. */
const INSN_SIZE = 240;
const INSN_ADDRESS = 8;
const INSN_SIZE_FIELD = 16;
// bytes[24] at 18 is not read: the caller holds the code.
const INSN_MNEMONIC = 42;
const INSN_OP_STR = 74;
/** Instructions per `_cs_disasm` call: about 240 KiB of heap for the `cs_insn` array. */
const BATCH = 1024;
const MAX_INSN_LENGTH = 15;
/** Bytes copied to the heap per window: more than BATCH instructions of maximal length. */
const WINDOW = 32 * 1024;

/** Options for `createCapstoneDisassembler`. */
export interface CapstoneOptions {
  /** Path of `capstone.wasm`; by default the one beside the running bundle, else the package's. */
  readonly wasmPath?: string;
}

/** A capstone-backed disassembler; `close` releases its heap buffers and handles. */
export interface CapstoneDisassembler extends Disassembler {
  close(): void;
}

let modulePromise: Promise<CapstoneModule> | undefined;

/**
 * Loads capstone (once per process or worker thread), opens 32- and 64-bit handles, and runs the
 * self-test. Rejects with a descriptive error when the wasm cannot be found or the self-test fails.
 */
export async function createCapstoneDisassembler(options: CapstoneOptions = {}): Promise<CapstoneDisassembler> {
  const mod = await loadModule(options);
  const disassembler = new RawCapstone(mod);
  const problem = selfTest(disassembler);
  if (problem) {
    disassembler.close();
    throw new Error(`capstone self-test failed: ${problem}; the capstone-wasm version or build is not the pinned 1.0.3`);
  }
  return disassembler;
}

/** The capstone.wasm locations tried in order. */
export function wasmCandidates(options: CapstoneOptions = {}): string[] {
  const found: string[] = [];
  if (options.wasmPath) found.push(options.wasmPath);
  // The bundles (dist/cli.js, dist/server.js) are CommonJS; esbuild.mjs copies the wasm beside them.
  if (typeof __dirname === 'string') found.push(join(__dirname, 'capstone.wasm'), join(__dirname, '..', 'dist', 'capstone.wasm'));
  // Tests run from out/ with packages external, so node_modules is found from the bundle or the
  // working directory.
  for (const from of [typeof __filename === 'string' ? __filename : undefined, join(process.cwd(), 'package.json')]) {
    if (!from) continue;
    try {
      found.push(join(dirname(createRequire(from).resolve('capstone-wasm')), 'capstone.wasm'));
    } catch {
      // Not resolvable from a bundle that ships without node_modules; the bundle-relative path covers it.
    }
  }
  return [...new Set(found)];
}

function loadModule(options: CapstoneOptions): Promise<CapstoneModule> {
  modulePromise ??= (async () => {
    const candidates = wasmCandidates(options);
    const path = candidates.find((candidate) => existsSync(candidate));
    if (!path) throw new Error(`capstone.wasm not found; looked in ${candidates.join(', ')}`);
    const wasmBinary = readFileSync(path);
    // loadCapstone assigns the exports onto this object; only the first call in a process does.
    const mod = { wasmBinary } as unknown as CapstoneModule & { wasmBinary: Uint8Array };
    await loadCapstone(mod as unknown as Record<string, unknown>);
    if (typeof mod._cs_disasm !== 'function' || !(mod.HEAPU8 instanceof Uint8Array)) {
      throw new Error('capstone-wasm was already loaded elsewhere in this process; host/capstone.ts must be its only loader');
    }
    return mod;
  })();
  // A failed load may be retried (for example with another wasmPath).
  modulePromise.catch(() => (modulePromise = undefined));
  return modulePromise;
}

class RawCapstone implements CapstoneDisassembler {
  private readonly handles = new Map<DisassemblyMode, number>();
  /** Whether detail mode is on, per handle: it is switched off for callers that only print text. */
  private readonly detailOn = new Map<number, boolean>();
  private handlePtr = 0;
  private window = 0;
  private insnPtrPtr = 0;
  private broken: string | undefined;
  private heapView: Buffer | undefined;
  private views: HeapViews | undefined;
  private readonly registers: RegisterTable;

  constructor(private readonly mod: CapstoneModule) {
    this.handlePtr = mod._malloc(8);
    this.window = mod._malloc(WINDOW);
    this.insnPtrPtr = mod._malloc(4);
    if (!this.handlePtr || !this.window || !this.insnPtrPtr) throw new Error('capstone: out of wasm heap while allocating buffers');
    for (const mode of [32, 64] as const) {
      const ptr = this.handlePtr + (mode === 32 ? 0 : 4);
      const err = mod._cs_open(CS_ARCH_X86, mode === 32 ? CS_MODE_32 : CS_MODE_64, ptr);
      if (err !== 0) throw new Error(`capstone: cs_open failed with error ${err}`);
      const handle = this.u32(ptr);
      mod._cs_option(handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
      if (mod._cs_option(handle, CS_OPT_SKIPDATA, CS_OPT_ON) !== 0) throw new Error('capstone: enabling SKIPDATA failed');
      // Detail mode gives the operands from capstone's tables, so the core need not parse text.
      if (mod._cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON) !== 0) throw new Error('capstone: enabling detail mode failed');
      this.handles.set(mode, handle);
      this.detailOn.set(handle, true);
    }
    // Register ids are the same in both modes; the 64-bit handle names them.
    const named = this.handles.get(64)!;
    this.registers = registerTable((id) => {
      const ptr = mod._cs_reg_name(named, id);
      return ptr === 0 ? undefined : mod.UTF8ToString(ptr);
    });
  }

  disassemble(code: Uint8Array, address: number, mode: DisassemblyMode, options: DisassemblyOptions = {}): RawInstruction[] {
    if (this.broken) throw new Error(`capstone is unusable after an earlier failure: ${this.broken}`);
    const handle = this.handles.get(mode);
    if (handle === undefined) throw new Error(`capstone: no handle for mode ${String(mode)}`);
    try {
      const detail = options.operands !== false;
      if (this.detailOn.get(handle) !== detail) {
        if (this.mod._cs_option(handle, CS_OPT_DETAIL, detail ? CS_OPT_ON : CS_OPT_OFF) !== 0) throw new Error('switching detail mode failed');
        this.detailOn.set(handle, detail);
      }
      return this.decodeAll(handle, code, address);
    } catch (error) {
      // A trap inside wasm may leave the module inconsistent; never use it again in this process.
      this.broken = String(error);
      throw new Error(`capstone failed: ${this.broken}`);
    }
  }

  private decodeAll(handle: number, code: Uint8Array, address: number): RawInstruction[] {
    const out: RawInstruction[] = [];
    const mod = this.mod;
    let offset = 0;
    while (offset < code.length) {
      const n = Math.min(WINDOW, code.length - offset);
      const final = offset + n === code.length;
      mod.HEAPU8.set(code.subarray(offset, offset + n), this.window);
      const base = address + offset;
      const count = mod._cs_disasm(handle, this.window, n, BigInt(base), BATCH, this.insnPtrPtr);
      if (count === 0) {
        // SKIPDATA should make this impossible; step one byte rather than loop forever.
        out.push(byteEntry(code, offset, base));
        offset += 1;
        continue;
      }
      const insns = this.u32(this.insnPtrPtr);
      const heap = mod.HEAPU8;
      const text = this.text();
      const views = this.heapViews();
      const baseLow = Number(BigInt.asUintN(32, BigInt(base)));
      let consumed = 0;
      for (let i = 0; i < count; i++) {
        const p = insns + i * INSN_SIZE;
        const at = (this.u32(p + INSN_ADDRESS) - baseLow) >>> 0;
        const size = heap[p + INSN_SIZE_FIELD] | (heap[p + INSN_SIZE_FIELD + 1] << 8);
        // An instruction that reaches the last 15 bytes of a non-final window may have been cut
        // short by the window's end; decode it again at the start of the next window.
        if (at !== consumed || size === 0 || at + size > n || (!final && at + size > n - MAX_INSN_LENGTH)) break;
        const detail = this.u32(p + INSN_DETAIL);
        // SKIPDATA entries (id 0) have no detail record.
        const decoded = detail !== 0 ? readDetail(views, detail, this.registers) : undefined;
        const words = joinedText(text, p);
        out.push({
          address: base + at,
          length: size,
          mnemonic: words.mnemonic,
          opStr: words.opStr,
          text: words.text,
          operands: decoded?.operands,
          writesStackPointer: decoded?.writesStackPointer,
        });
        consumed = at + size;
      }
      mod._cs_free(insns, count);
      if (consumed === 0) {
        out.push(byteEntry(code, offset, base));
        consumed = 1;
      }
      offset += consumed;
    }
    return out;
  }

  close(): void {
    for (const mode of [32, 64] as const) if (this.handles.has(mode)) this.mod._cs_close(this.handlePtr + (mode === 32 ? 0 : 4));
    this.handles.clear();
    for (const ptr of [this.handlePtr, this.window, this.insnPtrPtr]) if (ptr) this.mod._free(ptr);
    this.handlePtr = this.window = this.insnPtrPtr = 0;
    this.broken ??= 'closed';
  }

  /** A Buffer view of the wasm heap (the memory never grows, but re-check in case a build does). */
  private text(): Buffer {
    const heap = this.mod.HEAPU8;
    if (this.heapView?.buffer !== heap.buffer) this.heapView = Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength);
    return this.heapView;
  }

  /** Typed-array views of the wasm heap, renewed like `text()`. */
  private heapViews(): HeapViews {
    const heap = this.mod.HEAPU8;
    if (this.views?.u8 !== heap) {
      const { buffer, byteOffset, byteLength } = heap;
      this.views = { u8: heap, u16: new Uint16Array(buffer, byteOffset, byteLength >> 1), u32: new Uint32Array(buffer, byteOffset, byteLength >> 2), i32: new Int32Array(buffer, byteOffset, byteLength >> 2) };
    }
    return this.views;
  }

  private u32(ptr: number): number {
    const h = this.mod.HEAPU8;
    return (h[ptr] | (h[ptr + 1] << 8) | (h[ptr + 2] << 16) | (h[ptr + 3] << 24)) >>> 0;
  }
}

function byteEntry(code: Uint8Array, offset: number, address: number): RawInstruction {
  return { address, length: 1, mnemonic: '.byte', opStr: `0x${code[offset].toString(16).padStart(2, '0')}` };
}

/** An instruction's mnemonic, operand text, and both joined by a space. */
interface Words {
  readonly mnemonic: string;
  readonly opStr: string;
  readonly text: string;
}

/**
 * Reads the mnemonic and operand text of the `cs_insn` at `p`. The mnemonic field (char[32] at 42)
 * ends where op_str (at 74) begins, so moving the mnemonic to end just before op_str, with a space
 * between, makes the whole text one run of bytes: one flat string, of which the two fields are
 * slices, instead of two strings and the concatenation every instruction's `text` needs. The
 * `cs_insn` is ours to overwrite: it is freed right after being read.
 */
function joinedText(heap: Buffer, p: number): Words {
  const mnemonic = p + INSN_MNEMONIC;
  let mnemonicEnd = heap.indexOf(0, mnemonic);
  if (mnemonicEnd < 0 || mnemonicEnd > mnemonic + 31) mnemonicEnd = mnemonic + 31;
  const opStr = p + INSN_OP_STR;
  let opEnd = heap.indexOf(0, opStr);
  if (opEnd < 0 || opEnd > opStr + 159) opEnd = opStr + 159;
  if (opEnd === opStr) {
    const text = heap.toString('latin1', mnemonic, mnemonicEnd);
    return { mnemonic: text, opStr: '', text };
  }
  const length = mnemonicEnd - mnemonic;
  const start = opStr - 1 - length;
  heap.copyWithin(start, mnemonic, mnemonicEnd);
  heap[opStr - 1] = 32;
  const text = heap.toString('latin1', start, opEnd);
  return { mnemonic: text.slice(0, length), opStr: text.slice(length + 1), text };
}
