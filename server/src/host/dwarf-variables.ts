/**
 * The variables behind stack slots, read from the DWARF that clang writes into its assembly.
 *
 * gcc names a slot's variable in its `-fverbose-asm` comments (`source-findings.ts`); clang does
 * not, but with full `-g` its assembly carries `.debug_info` as data directives, each commented
 * with what it encodes:
 *
 *     .byte  5          # Abbrev [5] 0x41:0xb DW_TAG_variable
 *     .byte  2          # DW_AT_location
 *     .byte  145                         (DW_OP_fbreg)
 *     .byte  120                         (SLEB128 -8)
 *     .byte  6          # DW_AT_name     (index 6 of .debug_str_offsets)
 *
 * So the slot of a local at `-O0` is read as a debugger reads it: the function's frame base
 * (`DW_AT_frame_base`: DW_OP_reg6, %rbp, or DW_OP_reg7, %rsp) plus the variable's `DW_OP_fbreg`
 * offset, over the size of its type. The abbreviation table (`.debug_abbrev`, commented the same
 * way) says which forms the attributes use and which entries have children. Variables with
 * location lists (optimized code) have no single slot and are left out. Only what the compiler
 * wrote is read: nothing is inferred, and text that is not clang's commented DWARF gives nothing.
 */

/** A variable the compiler places in its function's frame, at a fixed offset from the frame base. */
export interface FrameVariable {
  readonly name: string;
  /** Offset from the frame base register (`DW_OP_fbreg`). */
  readonly offset: number;
  /** Bytes, from its type; undefined when the type's size is not written. */
  readonly size: number | undefined;
}

/** One function's frame base register and the variables at fixed offsets from it. */
export interface FunctionVariables {
  readonly frameBase: 'rbp' | 'rsp';
  readonly variables: readonly FrameVariable[];
}

const OP_fbreg = 0x91;
const OP_reg6 = 0x56;
const OP_reg7 = 0x57;

interface Abbreviation {
  readonly tag: string;
  readonly children: boolean;
  /** Attribute name to form name, as the abbreviation table lists them. */
  readonly forms: ReadonlyMap<string, string>;
}

/** A value written for an attribute: a number, a label (`.Linfo_string6`), or a string. */
type Value = { readonly number: number } | { readonly label: string } | { readonly text: string };

interface Entry {
  readonly tag: string;
  /** CU-relative offset, from the `# Abbrev [N] 0x41:0xb` comment. */
  readonly offset: number;
  readonly attributes: Map<string, Value>;
  /** DW_FORM_exprloc bytes, by attribute. */
  readonly expressions: Map<string, number[]>;
  readonly children: Entry[];
  readonly parent: Entry | undefined;
}

const DIRECTIVE = /^\s*\.(byte|short|value|2byte|long|4byte|quad|8byte|asciz|string)\s+([^#]*?)\s*(?:#\s*(.*))?$/;
const ENTRY = /Abbrev \[(\d+)\] 0x([0-9a-f]+):0x[0-9a-f]+ (DW_TAG_\w+)/;

/**
 * The frame variables of each function of `assembly`, by the function's symbol (its linkage name
 * when it has one). Empty for assembly without clang's commented `.debug_info`. Never throws.
 */
export function readFrameVariables(assembly: string): Map<string, FunctionVariables> {
  const result = new Map<string, FunctionVariables>();
  if (assembly.indexOf('DW_TAG_variable') < 0 && assembly.indexOf('DW_TAG_formal_parameter') < 0) return result;
  try {
    const lines = assembly.split('\n');
    const sections = splitSections(lines);
    const abbreviations = readAbbreviations(sections.get('.debug_abbrev') ?? []);
    const strings = readStrings(sections.get('.debug_str') ?? []);
    const stringOffsets = readStringOffsets(sections.get('.debug_str_offsets') ?? []);
    const units = readEntries(sections.get('.debug_info') ?? [], abbreviations);
    const name = (value: Value | undefined): string | undefined => {
      if (value === undefined) return undefined;
      if ('text' in value) return value.text;
      if ('label' in value) return strings.get(value.label);
      const label = stringOffsets[value.number];
      return label === undefined ? undefined : strings.get(label);
    };
    for (const unit of units) {
      const types = new Map<number, Entry>();
      walk(unit, (entry) => types.set(entry.offset, entry));
      walk(unit, (entry) => {
        if (entry.tag !== 'DW_TAG_subprogram') return;
        const symbol = name(entry.attributes.get('DW_AT_linkage_name')) ?? name(entry.attributes.get('DW_AT_name'));
        const base = entry.expressions.get('DW_AT_frame_base');
        const frameBase = base?.length === 1 ? (base[0] === OP_reg6 ? 'rbp' : base[0] === OP_reg7 ? 'rsp' : undefined) : undefined;
        if (symbol === undefined || frameBase === undefined || result.has(symbol)) return;
        const variables: FrameVariable[] = [];
        walk(entry, (inner) => {
          if (inner.tag !== 'DW_TAG_variable' && inner.tag !== 'DW_TAG_formal_parameter') return;
          const location = inner.expressions.get('DW_AT_location');
          const variable = name(inner.attributes.get('DW_AT_name'));
          if (location === undefined || location[0] !== OP_fbreg || variable === undefined) return;
          const offset = readSleb(location, 1);
          if (offset === undefined) return;
          variables.push({ name: variable, offset, size: typeSize(inner, types, 0) });
        });
        result.set(symbol, { frameBase, variables });
      });
    }
  } catch {
    return new Map();
  }
  return result;
}

/**
 * The variable of `variables` whose bytes hold `displacement` from the frame base, when one does.
 * A variable whose size is unknown matches only at its first byte.
 */
export function variableAt(variables: FunctionVariables, displacement: number): string | undefined {
  for (const variable of variables.variables) {
    const end = variable.offset + (variable.size ?? 1);
    if (displacement >= variable.offset && displacement < end) return variable.name;
  }
  return undefined;
}

/** The lines of each section, by name (`.section .debug_info,"",@progbits` starts one). */
function splitSections(lines: readonly string[]): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines) {
    const section = /^\s*\.section\s+([^\s,]+)/.exec(line);
    if (section !== null) {
      const name = section[1]!;
      current = name.startsWith('.debug_') ? (sections.get(name) ?? []) : undefined;
      if (current !== undefined) sections.set(name, current);
      continue;
    }
    if (/^\s*\.(text|data|bss)\b/.test(line)) current = undefined;
    else if (current !== undefined) current.push(line);
  }
  return sections;
}

/** `.debug_abbrev`: code, tag, children flag and each attribute's form, from the comments. */
function readAbbreviations(lines: readonly string[]): Map<number, Abbreviation> {
  const table = new Map<number, Abbreviation>();
  let k = 0;
  while (k < lines.length) {
    const head = DIRECTIVE.exec(lines[k]!);
    k++;
    if (head === null || head[3] !== 'Abbreviation Code') continue;
    const code = Number(head[2]);
    const tag = /DW_TAG_\w+/.exec(lines[k] ?? '')?.[0];
    const children = /DW_CHILDREN_yes/.test(lines[k + 1] ?? '');
    if (tag === undefined) continue;
    k += 2;
    const forms = new Map<string, string>();
    while (k + 1 < lines.length) {
      const attribute = /#\s*(DW_AT_\w+)/.exec(lines[k]!)?.[1];
      const form = /#\s*(DW_FORM_\w+)/.exec(lines[k + 1]!)?.[1];
      if (attribute === undefined || form === undefined) break;
      if (!forms.has(attribute)) forms.set(attribute, form);
      k += 2;
    }
    table.set(code, { tag, children, forms });
  }
  return table;
}

/** `.debug_str`: the text of each label (`.Linfo_string6:` then `.asciz "value"`). */
function readStrings(lines: readonly string[]): Map<string, string> {
  const strings = new Map<string, string>();
  let label: string | undefined;
  for (const line of lines) {
    const defined = /^\s*([.\w$]+):\s*$/.exec(line);
    if (defined !== null) {
      label = defined[1]!;
      continue;
    }
    const text = /^\s*\.(?:asciz|string)\s+"((?:[^"\\]|\\.)*)"/.exec(line);
    if (text !== null && label !== undefined) strings.set(label, text[1]!);
    label = undefined;
  }
  return strings;
}

/** `.debug_str_offsets`: the labels of the string offsets table, in order (what `DW_FORM_strx` indexes). */
function readStringOffsets(lines: readonly string[]): string[] {
  const labels: string[] = [];
  for (const line of lines) {
    const entry = /^\s*\.(?:long|quad)\s+([.A-Za-z_][\w.$]*)\s*(?:#.*)?$/.exec(line);
    if (entry !== null) labels.push(entry[1]!);
  }
  return labels;
}

/** `.debug_info`: the tree of entries of each unit, with the attributes this reader needs. */
function readEntries(lines: readonly string[], abbreviations: ReadonlyMap<number, Abbreviation>): Entry[] {
  const units: Entry[] = [];
  let parent: Entry | undefined;
  let current: Entry | undefined;
  let forms: ReadonlyMap<string, string> = new Map();
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    const head = ENTRY.exec(line);
    if (head !== null) {
      const abbreviation = abbreviations.get(Number(head[1]));
      const entry: Entry = { tag: head[3]!, offset: parseInt(head[2]!, 16), attributes: new Map(), expressions: new Map(), children: [], parent };
      if (parent === undefined) units.push(entry);
      else parent.children.push(entry);
      current = entry;
      forms = abbreviation?.forms ?? new Map();
      if (abbreviation?.children === true) parent = entry;
      continue;
    }
    if (/#\s*End Of Children Mark/.test(line)) {
      parent = parent?.parent;
      current = undefined;
      continue;
    }
    if (current === undefined) continue;
    const directive = DIRECTIVE.exec(line);
    const attribute = directive?.[3] !== undefined ? /^(DW_AT_\w+)/.exec(directive[3])?.[1] : undefined;
    if (directive === null || attribute === undefined) continue;
    const form = forms.get(attribute);
    if (form === 'DW_FORM_exprloc' || form === 'DW_FORM_block1') {
      // The expression's bytes follow, as `.byte 145` lines or, for runs of bytes (a long
      // SLEB128), as `.ascii "\260\177"`.
      const length = Number(directive[2]);
      const bytes: number[] = [];
      let j = k + 1;
      while (bytes.length < length && j < lines.length && !/#\s*DW_AT_/.test(lines[j]!)) {
        const byte = /^\s*\.byte\s+(-?\d+)/.exec(lines[j]!);
        const ascii = /^\s*\.ascii\s+"((?:[^"\\]|\\.)*)"/.exec(lines[j]!);
        if (byte !== null) bytes.push(Number(byte[1]) & 0xff);
        else if (ascii !== null) bytes.push(...unescapeBytes(ascii[1]!));
        else break;
        j++;
      }
      if (bytes.length === length) current.expressions.set(attribute, bytes);
      k = j - 1;
      continue;
    }
    const value = valueOf(directive[1]!, directive[2]!);
    if (value !== undefined) current.attributes.set(attribute, value);
  }
  return units;
}

function valueOf(kind: string, operand: string): Value | undefined {
  if (kind === 'asciz' || kind === 'string') {
    const text = /^"((?:[^"\\]|\\.)*)"$/.exec(operand);
    return text === null ? undefined : { text: text[1]! };
  }
  if (/^-?\d+$/.test(operand)) return { number: Number(operand) };
  if (/^0x[0-9a-f]+$/i.test(operand)) return { number: parseInt(operand, 16) };
  if (/^[.A-Za-z_][\w.$]*$/.test(operand)) return { label: operand };
  return undefined;
}

function walk(entry: Entry, visit: (entry: Entry) => void): void {
  visit(entry);
  for (const child of entry.children) walk(child, visit);
}

/** The size of an entry's type in bytes, following typedefs, qualifiers and arrays (at most 16 deep). */
function typeSize(entry: Entry, types: ReadonlyMap<number, Entry>, depth: number): number | undefined {
  const reference = entry.attributes.get('DW_AT_type');
  if (depth > 16 || reference === undefined || !('number' in reference)) return undefined;
  const type = types.get(reference.number);
  if (type === undefined) return undefined;
  const byteSize = type.attributes.get('DW_AT_byte_size');
  if (byteSize !== undefined && 'number' in byteSize) return byteSize.number;
  switch (type.tag) {
    case 'DW_TAG_pointer_type':
    case 'DW_TAG_reference_type':
    case 'DW_TAG_rvalue_reference_type':
      // x86-64: clang leaves the pointer size out.
      return 8;
    case 'DW_TAG_typedef':
    case 'DW_TAG_const_type':
    case 'DW_TAG_volatile_type':
    case 'DW_TAG_restrict_type':
    case 'DW_TAG_atomic_type':
      return typeSize(type, types, depth + 1);
    case 'DW_TAG_array_type': {
      let size = typeSize(type, types, depth + 1);
      for (const range of type.children) {
        if (range.tag !== 'DW_TAG_subrange_type' || size === undefined) continue;
        const count = range.attributes.get('DW_AT_count');
        const upper = range.attributes.get('DW_AT_upper_bound');
        if (count !== undefined && 'number' in count) size *= count.number;
        else if (upper !== undefined && 'number' in upper) size *= upper.number + 1;
        else size = undefined;
      }
      return size;
    }
    default:
      return undefined;
  }
}

/** The bytes of a GAS string literal's body: octal (`\\260`), hex (`\\x7f`) and the usual escapes. */
function unescapeBytes(body: string): number[] {
  const bytes: number[] = [];
  const named: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9 };
  for (let k = 0; k < body.length; k++) {
    const c = body[k]!;
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[k + 1] ?? '';
    const octal = /^[0-7]{1,3}/.exec(body.slice(k + 1, k + 4));
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(body.slice(k + 1, k + 4));
    if (octal !== null) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      k += octal[0].length;
    } else if (hex !== null) {
      bytes.push(parseInt(hex[1]!, 16));
      k += hex[0].length;
    } else {
      bytes.push(named[next] ?? next.charCodeAt(0) & 0xff);
      k++;
    }
  }
  return bytes;
}

/** A signed LEB128 number from `bytes` at `at`, or undefined when it runs past the end. */
function readSleb(bytes: readonly number[], at: number): number | undefined {
  let result = 0;
  let shift = 0;
  for (let k = at; k < bytes.length && shift < 49; k++) {
    const byte = bytes[k]!;
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return (byte & 0x40) !== 0 ? result - 2 ** shift : result;
  }
  return undefined;
}
