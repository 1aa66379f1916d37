/**
 * The product's two decoders behind one `Disassembler`: iced-x86 decodes for the analysis
 * (`decode`), capstone-wasm prints what people read (`disassemble`: the listing, and the text of
 * an instruction a finding or hover quotes). One of each per process or worker thread.
 *
 * Where iced cannot state an instruction as the IR reads capstone's text (see `host/iced.ts`),
 * capstone's own reading of those bytes is used, so both decoders cut the code at the same places.
 */
import type { DecodedInstruction, DisassemblyMode, DisassemblyOptions, RawInstruction } from '../core/elf/disassembler';
import { createCapstoneDisassembler, type CapstoneDisassembler, type CapstoneOptions } from './capstone';
import { IcedDecoder } from './iced';

/** Capstone for text, iced-x86 for the analysis. */
export class ObjectDecoders implements CapstoneDisassembler {
  private readonly iced: IcedDecoder;

  constructor(private readonly capstone: CapstoneDisassembler) {
    this.iced = new IcedDecoder((code, address, mode) => {
      const got = capstone.disassemble(code, address, mode);
      return got[0] ?? { address, length: 1, mnemonic: '.byte', opStr: `0x${(code[0] ?? 0).toString(16).padStart(2, '0')}` };
    });
  }

  disassemble(code: Uint8Array, address: number, mode: DisassemblyMode, options?: DisassemblyOptions): RawInstruction[] {
    return this.capstone.disassemble(code, address, mode, options);
  }

  decode(code: Uint8Array, address: number, mode: DisassemblyMode): DecodedInstruction[] {
    return this.iced.decode(code, address, mode);
  }

  close(): void {
    this.capstone.close();
  }
}

/** Loads both decoders (capstone's self-test included); rejects with a descriptive error. */
export async function createObjectDecoders(options: CapstoneOptions = {}): Promise<ObjectDecoders> {
  const capstone = await createCapstoneDisassembler(options);
  try {
    return new ObjectDecoders(capstone);
  } catch (error) {
    capstone.close();
    throw new Error(`cannot load iced-x86: ${error instanceof Error ? error.message : String(error)}`);
  }
}
