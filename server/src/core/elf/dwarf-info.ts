/**
 * Compile-unit facts from `.debug_info`: the first DIE of each unit (`DW_TAG_compile_unit`) holds
 * `DW_AT_producer` (build provenance, e.g. `GNU C17 12.2.0 -mno-red-zone -O2`), `DW_AT_name`,
 * `DW_AT_comp_dir` (the line table's directory 0 before DWARF 5) and `DW_AT_stmt_list`.
 *
 * Only the first DIE is decoded; its attributes are walked with the abbreviation's forms, so
 * attributes this reader does not need are skipped exactly. Units are stepped over by their length.
 */
import { Cursor, failure, stringAt, type ReadResult } from './bytes';
import { debugSection, forEachUnit, forEachUnitOnDisk, readForm, readRelocated, stringSections, type FormContext } from './dwarf-common';
import { findSection, type ElfFile } from './elf';

/** What the first DIE of one compile unit says. */
export interface CompileUnitInfo {
  /** Offset of the unit header in `.debug_info`. */
  readonly offset: number;
  readonly version: number;
  readonly producer: string | undefined;
  readonly name: string | undefined;
  readonly compDir: string | undefined;
  /** Offset of the unit's line program in `.debug_line`. */
  readonly stmtList: number | undefined;
}

const AT_name = 0x03;
const AT_stmt_list = 0x10;
const AT_comp_dir = 0x1b;
const AT_producer = 0x25;
const AT_str_offsets_base = 0x72;

/** Reads every compile unit's first DIE. A file without `.debug_info` gives an empty list. */
export function readCompileUnits(elf: ElfFile): ReadResult<CompileUnitInfo[]> {
  try {
    return readUnchecked(elf);
  } catch (error) {
    return failure(`internal error while reading .debug_info: ${String(error)}`);
  }
}

function readUnchecked(elf: ElfFile): ReadResult<CompileUnitInfo[]> {
  const info = debugSection(elf, '.debug_info');
  const abbrev = findSection(elf, '.debug_abbrev')?.data;
  const problems: string[] = [];
  const units: CompileUnitInfo[] = [];
  if (!info) return { value: units, problems };
  if (!abbrev) return failure('.debug_info is present but .debug_abbrev is missing', problems);
  const strings = stringSections(elf);
  const strOffsets = findSection(elf, '.debug_str_offsets')?.data;
  // A linked file's units are read one by one from the file when the section was left there.
  const eachUnit = info.section.loaded ? (visit: Parameters<typeof forEachUnit>[3]) => forEachUnit(info.data, '.debug_info unit', problems, visit) : (visit: Parameters<typeof forEachUnit>[3]) => forEachUnitOnDisk(elf, info.section, '.debug_info unit', problems, visit);
  eachUnit((c, unitOffset, offsetSize) => {
    const version = c.u16();
    let unitType = 1;
    let addressSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      unitType = c.u8();
      addressSize = c.u8();
      abbrevOffset = readRelocated(c, offsetSize, info);
      if (unitType === 4 || unitType === 5) c.skip(8); // skeleton and split units: dwo_id
      if (unitType === 2 || unitType === 6) c.skip(8 + offsetSize); // type units
    } else {
      abbrevOffset = readRelocated(c, offsetSize, info);
      addressSize = c.u8();
    }
    if (version < 2 || version > 5) {
      problems.push(`.debug_info unit at offset ${unitOffset} has unsupported version ${version}; skipped`);
      return;
    }
    if (c.overrun || (addressSize !== 4 && addressSize !== 8)) {
      problems.push(`.debug_info unit at offset ${unitOffset} has a damaged header; skipped`);
      return;
    }
    // Only compile and partial units describe a build; type units are skipped.
    if (unitType !== 1 && unitType !== 3 && unitType !== 4) return;
    const ctx: FormContext = { version, addressSize, offsetSize };
    const code = c.uleb();
    const specs = code === 0 ? undefined : findAbbrev(abbrev, abbrevOffset, code);
    if (!specs) {
      problems.push(`.debug_info unit at offset ${unitOffset}: abbreviation ${code} not found at .debug_abbrev offset ${abbrevOffset}`);
      return;
    }
    let producer: string | undefined;
    let producerIndex: number | undefined;
    let name: string | undefined;
    let compDir: string | undefined;
    let stmtList: number | undefined;
    let strOffsetsBase = 8; // the DWARF 5 .debug_str_offsets header size, when the attribute is absent
    for (const spec of specs) {
      const value = readForm(c, spec.form, ctx, info, strings);
      if (!value || c.overrun) {
        problems.push(`.debug_info unit at offset ${unitOffset}: cannot decode form 0x${spec.form.toString(16)}; the unit's remaining attributes are unknown`);
        break;
      }
      const text = value.kind === 'string' ? value.value : undefined;
      if (spec.attribute === AT_producer) {
        if (value.kind === 'strx') producerIndex = value.index;
        else producer = text;
      } else if (spec.attribute === AT_name) name = text;
      else if (spec.attribute === AT_comp_dir) compDir = text;
      else if (spec.attribute === AT_stmt_list && value.kind === 'number') stmtList = value.value;
      else if (spec.attribute === AT_str_offsets_base && value.kind === 'number') strOffsetsBase = value.value;
    }
    // Clang's DWARF 5 writes the producer as an index into .debug_str_offsets.
    if (producer === undefined && producerIndex !== undefined && strOffsets && strings.str) {
      const oc = new Cursor(strOffsets, strOffsetsBase + producerIndex * offsetSize);
      const strOffset = oc.sized(offsetSize);
      if (!oc.overrun) producer = stringAt(strings.str, strOffset);
    }
    units.push({ offset: unitOffset, version, producer, name, compDir, stmtList });
  });
  return { value: units, problems };
}

interface AttributeSpec {
  readonly attribute: number;
  readonly form: number;
}

/** Finds abbreviation `code` in the table at `offset`; every step consumes bytes, so it ends. */
function findAbbrev(abbrev: Uint8Array, offset: number, code: number): AttributeSpec[] | undefined {
  const c = new Cursor(abbrev, offset);
  while (c.ok) {
    const entry = c.uleb();
    if (entry === 0 || c.overrun) return undefined;
    c.uleb(); // tag
    c.u8(); // has children
    const specs: AttributeSpec[] = [];
    while (c.ok) {
      const attribute = c.uleb();
      const form = c.uleb();
      if (form === 0x21) c.sleb(); // DW_FORM_implicit_const keeps its value in the abbreviation
      if (attribute === 0 && form === 0) break;
      specs.push({ attribute, form });
    }
    if (entry === code) return c.overrun ? undefined : specs;
  }
  return undefined;
}
