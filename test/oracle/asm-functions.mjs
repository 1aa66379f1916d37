// Splits GAS compiler output (gcc or clang, AT&T or Intel syntax) into functions and normalizes
// each function's instruction sequence, so that two builds of the same C can be compared
// function by function. This is the heart of the differential oracle: a function whose
// normalized code differs between a build with the red zone and one with -mno-red-zone uses it.
//
// Plain JavaScript with no imports, so that the test bundles, the benchmark and the report
// script can all share it; the types are in asm-functions.d.mts.

const TYPE_FUNCTION = /^\s*\.type\s+("?)([^",\s]+)\1\s*,\s*[@%]function\b/;
const SIZE = /^\s*\.size\s+("?)([^",\s]+)\1\s*,/;
const LABEL_DEF = /^("?)([^\s:"]+)\1:\s*(.*)$/;
const LOCAL_LABEL = /\.L[A-Za-z0-9_$.]+/g;

/**
 * Splits assembly text into functions delimited by `.type NAME,@function` and `.size NAME`.
 * gcc places a function's cold part (`f.cold`) inside the region of `f`, in another section, so
 * regions can nest; every line belongs to the most recently opened function that is still open.
 * Lines are 1-based. Returns the functions in order of their `.type` directive.
 * @param {string} text
 * @returns {{name: string, startLine: number, endLine: number, lines: string[]}[]}
 */
export function splitFunctions(text) {
  const lines = text.split('\n');
  /** @type {{name: string, startLine: number, endLine: number, lines: string[]}[]} */
  const functions = [];
  /** @type {{name: string, startLine: number, endLine: number, lines: string[]}[]} */
  const open = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const type = TYPE_FUNCTION.exec(line);
    if (type) {
      const fn = { name: type[2], startLine: i + 1, endLine: i + 1, lines: [] };
      functions.push(fn);
      open.push(fn);
      continue;
    }
    const size = SIZE.exec(line);
    if (size) {
      const at = open.findIndex((fn) => fn.name === size[2]);
      if (at >= 0) {
        open[at].endLine = i + 1;
        open.splice(at, 1);
        continue;
      }
    }
    if (open.length > 0) open[open.length - 1].lines.push(line);
  }
  return functions;
}

/** Removes a `#` comment; instructions and labels never contain `#` in GAS x86 output. */
function stripComment(line) {
  const hash = line.indexOf('#');
  return (hash >= 0 ? line.slice(0, hash) : line).trim();
}

/**
 * Normalizes a function's lines to its instruction sequence: drops comments, `.loc`, `.cfi_*`
 * and every other directive, drops label definitions that no instruction of the function
 * refers to (debug labels such as `.LVL3`, `.Ltmp5`, `.LFB7`), renames local labels (`.L123`,
 * `.LBB0_3`, `.LCPI0_0`, `.LC4`) by order of first appearance, and collapses whitespace.
 * Returns one string per kept line; labels end with `:`.
 * @param {readonly string[]} lines
 * @returns {string[]}
 */
export function normalizeFunction(lines) {
  /** @type {({label: string} | {insn: string})[]} */
  const items = [];
  const referenced = new Set();
  for (const raw of lines) {
    let rest = stripComment(raw);
    // A line may hold a label definition followed by an instruction ("1: ret").
    while (rest.length > 0) {
      const label = LABEL_DEF.exec(rest);
      if (!label) break;
      items.push({ label: label[2] });
      rest = label[3].trim();
    }
    if (rest.length === 0 || rest.startsWith('.')) continue;
    const insn = rest.replace(/\s+/g, ' ');
    for (const ref of insn.match(LOCAL_LABEL) ?? []) referenced.add(ref);
    items.push({ insn });
  }
  const names = new Map();
  const rename = (label) => {
    let name = names.get(label);
    if (name === undefined) {
      name = `.L#${names.size}`;
      names.set(label, name);
    }
    return name;
  };
  const out = [];
  for (const item of items) {
    if ('label' in item) {
      // Only local labels that an instruction uses carry meaning; a non-local label inside a
      // function (rare, hand-written) is kept as it is.
      if (item.label.startsWith('.L')) {
        if (referenced.has(item.label)) out.push(`${rename(item.label)}:`);
      } else {
        out.push(`${item.label}:`);
      }
    } else {
      out.push(item.insn.replace(LOCAL_LABEL, rename));
    }
  }
  return out;
}

/** The name of the function that a gcc cold part (`f.cold`, `f.part.0.cold`) belongs to. */
export function parentFunction(name) {
  return name.endsWith('.cold') ? name.slice(0, -'.cold'.length) : name;
}

/**
 * Normalized code of each function in a file, with cold parts folded into their parent:
 * the map key is the parent name, the value the parent's code followed by its cold parts'.
 * @param {string} text
 * @returns {Map<string, string>}
 */
export function normalizedFunctions(text) {
  const out = new Map();
  for (const fn of splitFunctions(text)) {
    const key = parentFunction(fn.name);
    const code = normalizeFunction(fn.lines).join('\n');
    out.set(key, out.has(key) ? `${out.get(key)}\n;cold\n${code}` : code);
  }
  return out;
}

const STACK_REGISTER = /(?<![A-Za-z0-9_.$#])%?(?:rsp|esp|spl|sp|rbp|ebp|bpl|bp)\b/;

/**
 * True when some instruction other than push and pop names %rsp or %rbp. Code that never does
 * cannot compute an address below the stack pointer, so it cannot use the red zone, even when
 * -mno-red-zone changed it: gcc sometimes keeps a useless `sub $40,%rsp` in the -mno-red-zone
 * build of a function whose red-zone build touches no memory at all (expat's
 * XML_ExpatVersionInfo at -O2). Such a difference is not red-zone use.
 * @param {string} code normalized code, one instruction or label a line
 */
export function touchesStackRegister(code) {
  for (const line of code.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const mnemonic = line.slice(0, space);
    if (/^(push|pop)[lqwd]?$/.test(mnemonic)) continue;
    if (STACK_REGISTER.test(line.slice(space + 1))) return true;
  }
  return false;
}

/**
 * Compares a build with the red zone against one with -mno-red-zone, function by function.
 * `usesRedZone` maps each function present in both builds to whether its code differs (and the
 * red-zone build addresses the stack at all, see touchesStackRegister); `spurious` lists the
 * functions that differ without doing so; `unpaired` lists functions present in only one build
 * (they cannot be judged).
 * @param {string} redZoneText
 * @param {string} noRedZoneText
 * @returns {{usesRedZone: Map<string, boolean>, spurious: string[], unpaired: string[]}}
 */
export function diffBuilds(redZoneText, noRedZoneText) {
  const withZone = normalizedFunctions(redZoneText);
  const without = normalizedFunctions(noRedZoneText);
  const usesRedZone = new Map();
  const spurious = [];
  const unpaired = [];
  for (const [name, code] of withZone) {
    if (!without.has(name)) {
      unpaired.push(name);
      continue;
    }
    const differs = code !== without.get(name);
    if (differs && !touchesStackRegister(code)) spurious.push(name);
    usesRedZone.set(name, differs && touchesStackRegister(code));
  }
  for (const name of without.keys()) if (!withZone.has(name)) unpaired.push(name);
  return { usesRedZone, spurious, unpaired };
}
