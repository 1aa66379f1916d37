/**
 * The object-file side of the core: ELF and ar readers, DWARF line tables and producers, build
 * provenance, and the Disassembler port. Everything here is pure and never throws on bad input.
 */
export { isArchive, readArchive, type ArMember } from './ar';
export { formatAddress, u64ToNumber, type ReadResult } from './bytes';
export { instructionText, type DecodedInstruction, type DecodedOperand, type Disassembler, type DisassemblyMode, type DisassemblyOptions, type RawInstruction } from './disassembler';
export { readCompileUnits, type CompileUnitInfo } from './dwarf-info';
export { lineLookup, readDebugLines, type LineRow, type LineSequence, type SourcePosition } from './dwarf-line';
export {
  findSection,
  functionSymbols,
  isElf,
  readElf,
  readElfFrom,
  arraySource,
  relocationInRange,
  relocationsFor,
  sectionData,
  SHF,
  SHN,
  SHT,
  type ElfFile,
  type ElfFileType,
  type ElfMachine,
  type ElfRelocation,
  type ElfSection,
  type ElfSectionHeader,
  type ElfSource,
  type SectionFilter,
  type ElfSymbol,
  type ElfSymbolBinding,
  type ElfSymbolType,
} from './elf';
export { objectProvenance, type ObjectProvenance } from './provenance';
