/**
 * Which sections of an ELF file the object analysis reads, so that a large file (a Debian vmlinux
 * with DWARF is 633 MB) is read by sections instead of whole: `readElfFrom` reads the headers and
 * then only the sections this filter keeps.
 *
 * What the analysis reads, and why:
 * - every loaded section (`SHF_ALLOC`): code, the data jump tables and kernel tables live in, and
 *   the dynamic relocations that name PLT entries;
 * - the symbol tables and all string tables (function names, section names);
 * - the DWARF the findings use: compile units (`.debug_info`, `.debug_abbrev`, the string
 *   sections: the producer records `-mno-red-zone`) and line tables (`.debug_line`). A linked
 *   file's `.debug_info` stays on disk: only each unit's header and first entry are read, unit
 *   by unit (`forEachUnitOnDisk`), since 174 of a vmlinux's 633 MB are that section;
 * - the build records `.GCC.command.line` and `.comment`;
 * - relocation sections of the sections above in a relocatable object. In a linked file only the
 *   dynamic ones (themselves `SHF_ALLOC`, which name PLT slots): the static relocations a vmlinux
 *   keeps with `--emit-relocs` are already applied (`objdump -d` does not show them either), and
 *   there are millions of them (its `.rela.debug_info` alone is 270 MB).
 * Everything else (location and range lists, `.debug_frame`, `.debug_aranges`, notes the analysis
 * does not read) stays on disk.
 */
import { SHF, SHT, type ElfFileType, type ElfSectionHeader } from '../elf/index';

/**
 * The default limit on what the hosts read of one input, in bytes: a text file or an archive
 * whole, an ELF file the sections `analysisReads` keeps. `--max-file-size` and
 * `redzone.maxFileSize` change it.
 */
export const defaultMaxFileSize = 64 * 1024 * 1024;

/** Sections outside memory that the analysis reads by name. */
const NAMED: ReadonlySet<string> = new Set(['.debug_abbrev', '.debug_str', '.debug_line_str', '.debug_str_offsets', '.debug_line', '.GCC.command.line', '.comment']);

/** The `SectionFilter` of the object analysis; see the module comment. */
export function analysisReads(header: ElfSectionHeader, headers: readonly ElfSectionHeader[], type: ElfFileType): boolean {
  if (header.type === SHT.REL || header.type === SHT.RELA) {
    if ((header.flags & SHF.ALLOC) !== 0) return true;
    const target = headers[header.info];
    return type === 'relocatable' && header.info !== 0 && target !== undefined && keptSection(target, type);
  }
  return keptSection(header, type);
}

function keptSection(header: ElfSectionHeader, type: ElfFileType): boolean {
  if ((header.flags & SHF.ALLOC) !== 0) return true;
  if (header.type === SHT.SYMTAB || header.type === SHT.STRTAB || header.type === SHT.SYMTAB_SHNDX) return true;
  if (header.name === '.debug_info') return type === 'relocatable';
  return NAMED.has(header.name);
}

/** How many bytes the analysis reads of a file with these section headers (for the size limit). */
export function bytesRead(headers: readonly ElfSectionHeader[], type: ElfFileType): number {
  let total = 0;
  for (const header of headers) if (header.type !== SHT.NOBITS && analysisReads(header, headers, type)) total += header.size;
  return total;
}
