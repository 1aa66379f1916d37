/**
 * GAS's macro language, expanded line by line as GNU as does (binutils gas/macro.c and read.c):
 * `.macro`/`.endm` with named, default, `:req` and `:vararg` parameters, `\@` and `\()`;
 * `.rept`, `.irp`, `.irpc`; `.if` and its family on what can be evaluated (constants, `.set`/
 * `.equ`/`=` symbols, defined symbols); `.purgem`, `.exitm`, `.include`.
 *
 * Expanded lines carry the line of the outermost invocation, so a finding in a macro lands on the
 * line a person wrote. A conditional whose expression cannot be evaluated (it names a label
 * address, or a symbol whose value is unknown) takes neither branch: its lines are listed as not
 * analyzed rather than guessed.
 */
import { evaluateConstant } from './const-expr';
import { EXPANSION_LIMITS, LINE_WORK, MAX_LINE, WorkBudget, capLine, findInclude, splitLines, type ExpansionOutput, type SourceLine, type SourceOptions } from './expansion';
import { LocalLabels, alternateSubstituter, readAlternateArguments } from './gas-altmacro';
import { firstWord, readArgument, scrubOperands, splitLabels, splitMacroArguments, statementsOf } from './gas-lex';

interface Parameter {
  readonly name: string;
  readonly fallback: string;
  readonly required: boolean;
  readonly vararg: boolean;
}

interface MacroDefinition {
  readonly name: string;
  readonly parameters: readonly Parameter[];
  readonly body: readonly string[];
}

/** Lines being read: the file itself, an included file, or a macro or loop body. */
interface Frame {
  readonly lines: readonly SourceLine[];
  pos: number;
  /** Set for a macro body (`.exitm` leaves it). */
  readonly macroBody: boolean;
  /** Lines of a body take the invocation's line and macro chain. */
  readonly origin: number | undefined;
  readonly chain: string | undefined;
  readonly file: string | undefined;
  readonly comment: { inBlock: boolean };
}

interface Conditional {
  /** Lines of the current branch are assembled. */
  active: boolean;
  /** Some branch was taken already, so `.else` is not. */
  taken: boolean;
  readonly outerActive: boolean;
  /** The condition could not be evaluated: no branch is taken and the lines are uncovered. */
  readonly unknown: boolean;
  readonly line: number;
}

/** What a body collection (`.macro` or `.rept`/`.irp`/`.irpc`) is waiting for. */
interface Collection {
  readonly kind: 'macro' | 'repeat';
  readonly header: string;
  readonly args: string;
  readonly line: number;
  readonly frameDepth: number;
  depth: number;
  readonly body: string[];
}

const REPEAT_WORDS = new Set(['.rept', '.irp', '.irpc', '.irep', '.irepc', '.rep']);

/** Expands GAS macros in `input` (the file's lines, or the C preprocessor's) into `out`. */
export function expandGasMacros(input: readonly SourceLine[], options: SourceOptions, out: ExpansionOutput): void {
  new GasExpander(options, out, new WorkBudget(out)).run(input);
}

class GasExpander {
  readonly #macros = new Map<string, MacroDefinition>();
  readonly #symbols = new Map<string, bigint | undefined>();
  readonly #frames: Frame[] = [];
  readonly #conditionals: Conditional[] = [];
  #collection: Collection | undefined;
  /** `.altmacro` is in force: invocations read their arguments and bodies in GAS's alternate mode. */
  #alternate = false;
  readonly #locals = new LocalLabels();
  #counter = 0;

  constructor(readonly options: SourceOptions, readonly out: ExpansionOutput, readonly work: WorkBudget) {}

  run(input: readonly SourceLine[]): void {
    this.#frames.push({ lines: input, pos: 0, macroBody: false, origin: undefined, chain: undefined, file: this.options.fileName, comment: { inBlock: false } });
    while (this.#frames.length > 0 && !this.out.exhausted) {
      const frame = this.#frames[this.#frames.length - 1]!;
      if (frame.pos >= frame.lines.length) {
        this.#frames.pop();
        continue;
      }
      const line = frame.lines[frame.pos++]!;
      if (!this.work.spend(line.text.length + LINE_WORK, this.#originOf(frame, line))) return;
      this.#line(frame, line);
    }
    const open = this.#collection;
    if (open !== undefined) {
      this.out.problem(open.line, `${open.header} has no ${open.kind === 'macro' ? '.endm' : '.endr'}; its lines are not analyzed`);
      this.out.uncover(open.line, open.line + open.body.length, 'unterminated macro or loop');
    }
    for (const conditional of this.#conditionals) this.out.problem(conditional.line, '.if without .endif');
  }

  #originOf(frame: Frame, line: SourceLine): number {
    return frame.origin ?? line.origin;
  }

  #active(): boolean {
    const top = this.#conditionals[this.#conditionals.length - 1];
    return top === undefined || top.active;
  }

  /** Emits a line of the expansion. */
  #emit(frame: Frame, line: SourceLine, text: string, verbatim: boolean): void {
    this.out.emit({ text, origin: this.#originOf(frame, line), verbatim: verbatim && frame.origin === undefined && line.verbatim, macro: frame.chain ?? line.macro });
  }

  #line(frame: Frame, line: SourceLine): void {
    if (this.#collection !== undefined) {
      this.#collect(frame, line);
      return;
    }
    const { statements, hadComment } = statementsOf(line.text, frame.comment);
    const kept: string[] = [];
    let changed = false;
    for (let k = 0; k < statements.length; k++) {
      const statement = statements[k]!;
      const result = this.#statement(frame, line, statement, kept);
      if (result === 'keep') {
        kept.push(statement);
        continue;
      }
      changed = true;
      if (result === 'collect') break;
      if (result === 'pushed') {
        // `M x; nop`: the expansion comes before the statements after it, which wait in a frame
        // beneath the expansion's.
        const after = statements.slice(k + 1).join(';');
        if (after.trim() !== '') {
          const origin = this.#originOf(frame, line);
          const rest = { lines: [{ text: after, origin, verbatim: false, macro: frame.chain ?? line.macro }], pos: 0, macroBody: false, origin: frame.origin, chain: frame.chain, file: frame.file, comment: { inBlock: false } };
          this.#frames.splice(this.#frames.length - 1, 0, rest);
        }
        break;
      }
    }
    if (!changed) {
      // An expanded line (`.globl f; .type f,@function; f:` from a C macro) is cut at its `;`, so
      // that each statement starts a line: function labels are found at the start of a line.
      if ((frame.origin !== undefined || !line.verbatim) && statements.length > 1) {
        for (const statement of statements) if (statement.trim() !== '') this.#emit(frame, line, statement.trim(), false);
        return;
      }
      this.#emit(frame, line, line.text, true);
      return;
    }
    const text = kept.map((s) => s.trim()).filter((s) => s !== '').join('; ');
    this.#emit(frame, line, text === '' && !hadComment ? '' : text, false);
  }

  /**
   * Handles one statement: 'keep' it as it is, or it was 'done' (consumed), 'pushed' (a macro or
   * include frame is read next; its labels went to `kept`), or it started a 'collect'ion.
   */
  #statement(frame: Frame, line: SourceLine, statement: string, kept: string[]): 'keep' | 'done' | 'collect' | 'pushed' {
    const { labels, rest } = splitLabels(statement);
    const { word, rest: args } = firstWord(rest);
    const lower = word.toLowerCase();
    const origin = this.#originOf(frame, line);
    if (!this.#active()) {
      if (lower.startsWith('.if')) this.#conditionals.push({ active: false, taken: true, outerActive: false, unknown: false, line: origin });
      else if (lower === '.endif' || lower === '.else' || lower === '.elseif') this.#conditional(lower, args, origin);
      return 'done';
    }
    for (const label of labels) this.#symbols.set(label, this.#symbols.get(label));
    if (lower.startsWith('.if') || lower === '.else' || lower === '.elseif' || lower === '.endif') {
      if (labels.length > 0) return 'keep';
      this.#conditional(lower, args, origin);
      return 'done';
    }
    if (lower === '.macro') {
      this.#collection = { kind: 'macro', header: `.macro${args}`.trim(), args: args.trim(), line: origin, frameDepth: this.#frames.length, depth: 1, body: [] };
      return 'collect';
    }
    if (REPEAT_WORDS.has(lower)) {
      this.#collection = { kind: 'repeat', header: `${lower} ${args.trim()}`.trim(), args: args.trim(), line: origin, frameDepth: this.#frames.length, depth: 1, body: [] };
      return 'collect';
    }
    switch (lower) {
      case '.endm':
      case '.endr':
        this.out.problem(origin, `${lower} without a matching ${lower === '.endm' ? '.macro' : '.rept/.irp'}`);
        return 'done';
      case '.purgem': {
        const name = args.trim().replace(/^"|"$/g, '').toLowerCase();
        if (!this.#macros.delete(name)) this.out.problem(origin, `.purgem of \`${name}\`, which is not a macro`);
        return 'done';
      }
      case '.exitm':
        while (this.#frames.length > 0) {
          const top = this.#frames.pop()!;
          if (top.macroBody) break;
        }
        return 'done';
      case '.include':
        return this.#include(args.trim(), frame, line) ? 'pushed' : 'done';
      case '.altmacro':
        this.#alternate = true;
        return 'done';
      case '.noaltmacro':
        this.#alternate = false;
        return 'done';
      case '.set':
      case '.equ':
      case '.equiv':
      case '.eqv':
        this.#assign(args, origin);
        return 'keep';
      default:
        break;
    }
    if (word === '' && rest.indexOf('=') > 0) {
      const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=(?!=)(.*)$/.exec(rest);
      if (m !== null) this.#assign(`${m[1]}, ${m[2]}`, origin);
      return 'keep';
    }
    if (word !== '' && /^[A-Za-z_.$][A-Za-z0-9_.$]*\s*=(?!=)/.test(rest)) {
      const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=(.*)$/.exec(rest)!;
      this.#assign(`${m[1]}, ${m[2]}`, origin);
      return 'keep';
    }
    const macro = word === '' ? undefined : this.#macros.get(lower);
    if (macro === undefined) return 'keep';
    if (labels.length > 0) kept.push(labels.map((l) => `${l}:`).join(' '));
    return this.#invoke(macro, args, frame, line) ? 'pushed' : 'done';
  }

  /** `.set sym, expr` and its spellings: the value when it is a constant, else "defined, unknown". */
  #assign(args: string, origin: number): void {
    const comma = args.indexOf(',');
    if (comma < 0) return;
    const name = args.slice(0, comma).trim();
    const value = evaluateConstant(args.slice(comma + 1), 'gas', (s) => this.#symbols.get(s));
    if (name !== '') this.#symbols.set(name, value);
    void origin;
  }

  #conditional(word: string, args: string, origin: number): void {
    const top = this.#conditionals[this.#conditionals.length - 1];
    if (word === '.endif') {
      if (top === undefined) this.out.problem(origin, '.endif without .if');
      else {
        this.#conditionals.pop();
        if (top.unknown) this.out.uncover(top.line, origin, 'condition not evaluated');
      }
      return;
    }
    if (word === '.else' || word === '.elseif') {
      if (top === undefined) {
        this.out.problem(origin, `${word} without .if`);
        return;
      }
      if (top.unknown || !top.outerActive) {
        top.active = false;
        return;
      }
      if (top.taken) {
        top.active = false;
        return;
      }
      if (word === '.else') {
        top.active = true;
        top.taken = true;
        return;
      }
      const value = this.#condition('.if', args);
      if (value === undefined) {
        top.active = false;
        top.taken = true;
        this.out.problem(origin, `.elseif ${args.trim()}: the condition cannot be evaluated; its lines are not analyzed`);
        this.out.uncover(origin, origin, 'condition not evaluated');
        return;
      }
      top.active = value;
      top.taken = value;
      return;
    }
    const value = this.#condition(word, args);
    if (value === undefined) {
      this.out.problem(origin, `${word} ${args.trim()}: the condition cannot be evaluated; neither branch is analyzed`);
      this.#conditionals.push({ active: false, taken: true, outerActive: true, unknown: true, line: origin });
      return;
    }
    this.#conditionals.push({ active: value, taken: value, outerActive: true, unknown: false, line: origin });
  }

  /** The truth of `.ifXX args`, or undefined when it cannot be known here. */
  #condition(word: string, args: string): boolean | undefined {
    const text = args.trim();
    const value = (): bigint | undefined => evaluateConstant(registersAsSymbols(text), 'gas', (s) => this.#symbol(s)) ?? sameSymbolComparison(text);
    const compare = (test: (v: bigint) => boolean): boolean | undefined => {
      const v = value();
      return v === undefined ? undefined : test(v);
    };
    switch (word) {
      case '.if':
      case '.ifne':
        return compare((v) => v !== 0n);
      case '.ifeq':
        return compare((v) => v === 0n);
      case '.ifgt':
        return compare((v) => v > 0n);
      case '.ifge':
        return compare((v) => v >= 0n);
      case '.iflt':
        return compare((v) => v < 0n);
      case '.ifle':
        return compare((v) => v <= 0n);
      case '.ifdef':
        return this.#symbols.has(text);
      case '.ifndef':
      case '.ifnotdef':
        return !this.#symbols.has(text);
      case '.ifb':
        return text === '';
      case '.ifnb':
        return text !== '';
      case '.ifc':
      case '.ifnc': {
        const [a, b] = splitComparison(text);
        if (a === undefined) return undefined;
        return (a === b) === (word === '.ifc');
      }
      case '.ifeqs':
      case '.ifnes': {
        const [a, b] = splitComparison(text);
        if (a === undefined) return undefined;
        return (a === b) === (word === '.ifeqs');
      }
      default:
        return undefined;
    }
  }

  /** A symbol's value; a register (`%rsp`, as `.if \\reg == %rsp` compares them) is its own distinct value. */
  #symbol(name: string): bigint | undefined {
    if (name.startsWith(REGISTER_MARK)) return registerValue(name.slice(REGISTER_MARK.length));
    return this.#symbols.get(name);
  }

  #collect(frame: Frame, line: SourceLine): void {
    const collection = this.#collection!;
    // As gas/macro.c `buffer_and_nest`: the first word after any labels decides the nesting.
    const { rest } = splitLabels(line.text.replace(/^\s+/, ''));
    const word = firstWord(rest).word.toLowerCase();
    const opens = collection.kind === 'macro' ? word === '.macro' : REPEAT_WORDS.has(word);
    const closes = collection.kind === 'macro' ? word === '.endm' || word === '.endmacro' : word === '.endr';
    if (opens) collection.depth++;
    if (closes && --collection.depth === 0) {
      this.#collection = undefined;
      if (collection.kind === 'macro') this.#define(collection);
      else this.#repeat(collection, frame, line);
      return;
    }
    collection.body.push(line.text);
  }

  #define(collection: Collection): void {
    const m = /^"?([A-Za-z_.$][A-Za-z0-9_.$@]*)"?\s*,?\s*(.*)$/.exec(collection.args);
    if (m === null) {
      this.out.problem(collection.line, `.macro without a name: ${collection.args}`);
      return;
    }
    const { parameters, bad } = parseParameters(m[2]!);
    if (bad !== undefined) this.out.problem(collection.line, `bad parameter \`${bad.trim()}\` of macro \`${m[1]}\``);
    this.#macros.set(m[1]!.toLowerCase(), { name: m[1]!, parameters, body: collection.body });
  }

  #invoke(macro: MacroDefinition, written: string, frame: Frame, line: SourceLine): boolean {
    const origin = this.#originOf(frame, line);
    // GAS's scrubber has squeezed the blanks of the line before the macro reads its arguments.
    const args = scrubOperands(written);
    if (this.#frames.length > EXPANSION_LIMITS.depth) {
      this.out.problem(origin, `macro \`${macro.name}\` nested more than ${EXPANSION_LIMITS.depth} deep (recursive?); not expanded further`);
      this.out.uncover(origin, origin, 'macro nesting too deep');
      return false;
    }
    const values = new Map<string, string>();
    const parsed = this.#arguments(macro, args, origin);
    if (parsed === undefined) return false;
    let position = 0;
    for (const arg of parsed) {
      if (arg.keyword !== undefined) {
        values.set(arg.keyword, arg.value);
        continue;
      }
      const parameter = macro.parameters[position];
      if (parameter === undefined) {
        this.out.problem(origin, `too many arguments for macro \`${macro.name}\`; the line is not analyzed (GNU as rejects it too)`);
        this.out.uncover(origin, origin, 'macro invocation rejected');
        return false;
      }
      position++;
      if (parameter.vararg) {
        values.set(parameter.name, args.slice(arg.start).trim());
        break;
      }
      values.set(parameter.name, arg.value);
    }
    for (const parameter of macro.parameters) {
      const value = values.get(parameter.name);
      if (value === undefined || value === '') {
        if (parameter.required) this.out.problem(origin, `missing value for the required parameter \`${parameter.name}\` of macro \`${macro.name}\``);
        values.set(parameter.name, parameter.fallback);
      }
    }
    const counter = String(this.#counter++);
    const substituteLine = this.#alternate ? alternateSubstituter(values, counter, this.#locals) : (text: string) => substitute(text, values, counter);
    const body: string[] = [];
    for (const text of macro.body) {
      const substituted = capLine(substituteLine(text), origin, this.out, `macro \`${macro.name}\`'s argument substitution`);
      if (!this.work.spend(substituted.length + LINE_WORK, origin)) return false;
      body.push(substituted);
    }
    this.#push(body, frame, line, macro.name, true);
    return true;
  }

  /**
   * An invocation's arguments: in the default mode as `splitMacroArguments` reads them, in
   * alternate mode as `readAlternateArguments` does (`%expr`, `<text>`). Undefined, with a
   * problem, when a `%expr` cannot be evaluated.
   */
  #arguments(macro: MacroDefinition, args: string, origin: number): { keyword?: string; value: string; start: number }[] | undefined {
    if (!this.#alternate) return splitMacroArguments(args, (name) => macro.parameters.some((p) => p.name === name));
    const read = readAlternateArguments(args, (expression) => evaluateConstant(expression, 'gas', (s) => this.#symbols.get(s)));
    if (read.unevaluated !== undefined) {
      this.out.problem(origin, `\`%${read.unevaluated}\` in the arguments of macro \`${macro.name}\` cannot be evaluated; the line is not analyzed`);
      this.out.uncover(origin, origin, 'macro argument not evaluated');
      return undefined;
    }
    return read.args;
  }

  #repeat(collection: Collection, frame: Frame, line: SourceLine): void {
    const origin = collection.line;
    const word = collection.header.split(' ')[0]!;
    if (word === '.rept' || word === '.rep') {
      const count = evaluateConstant(collection.args, 'gas', (s) => this.#symbols.get(s));
      if (count === undefined) {
        this.out.problem(origin, `${collection.header}: the count cannot be evaluated; the loop is not analyzed`);
        this.out.uncover(origin, origin + collection.body.length + 1, 'loop count not evaluated');
        return;
      }
      const times = count < 0n ? 0 : Number(count > 1_000_000n ? 1_000_000n : count);
      const size = collection.body.reduce((sum, text) => sum + text.length + LINE_WORK, 0);
      const body: string[] = [];
      for (let k = 0; k < times && this.work.spend(size, origin); k++) body.push(...collection.body);
      this.#push(body, frame, line, '.rept', false, origin);
      return;
    }
    // .irp sym, a, b, c  /  .irpc sym, abc
    const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*,?\s*(.*)$/.exec(collection.args);
    if (m === null) {
      this.out.problem(origin, `${collection.header}: missing the symbol`);
      return;
    }
    const name = m[1]!;
    const list = scrubOperands(m[2]!);
    const items = word === '.irpc' || word === '.irepc' ? [...list.replace(/\s+/g, '')] : list.trim() === '' ? [''] : splitMacroArguments(list, () => false).map((a) => a.value);
    const body: string[] = [];
    for (const item of items) {
      const values = new Map([[name, item]]);
      const substituteLine = this.#alternate ? alternateSubstituter(values, String(this.#counter), undefined) : (text: string) => substitute(text, values, String(this.#counter));
      for (const text of collection.body) {
        const substituted = capLine(substituteLine(text), origin, this.out, `${word}'s substitution`);
        if (!this.work.spend(substituted.length + LINE_WORK, origin)) return;
        body.push(substituted);
      }
    }
    this.#push(body, frame, line, word, false, origin);
  }

  #push(body: readonly string[], frame: Frame, line: SourceLine, name: string, macroBody: boolean, origin = this.#originOf(frame, line)): void {
    const chain = frame.chain === undefined ? name : `${frame.chain} → ${name}`;
    const lines = body.map((text) => ({ text, origin, verbatim: false, macro: chain }));
    this.#frames.push({ lines, pos: 0, macroBody, origin, chain, file: frame.file, comment: { inBlock: false } });
  }

  #include(args: string, frame: Frame, line: SourceLine): boolean {
    const origin = this.#originOf(frame, line);
    const name = unquote(args);
    if (this.#frames.length > EXPANSION_LIMITS.depth) {
      this.out.problem(origin, `.include "${name}" nested more than ${EXPANSION_LIMITS.depth} deep; not followed`);
      return false;
    }
    const found = findInclude(name, frame.file, false, this.options);
    if (found === undefined) {
      this.out.problem(origin, `.include "${name}" not found${this.options.readFile === undefined ? ' (includes are not read here)' : ''}; the macros it defines are not expanded`);
      return false;
    }
    if (!this.work.spend(found.text.length, origin)) return false;
    const chain = frame.chain === undefined ? `.include "${name}"` : `${frame.chain} → .include "${name}"`;
    const lines = splitLines(found.text).map((text) => ({ text, origin, verbatim: false, macro: chain }));
    this.#frames.push({ lines, pos: 0, macroBody: false, origin, chain, file: found.path, comment: { inBlock: false } });
    return true;
  }
}

/** Names longer than this are not parameters (a bound on the scan, far beyond any real name). */
const MAX_NAME = 256;

/**
 * Substitutes a macro body line: `\name` by the parameter's value, `\@` by the invocation count,
 * `\()` by nothing. Other backslashes stay (`\n` in a string). Stops once the line is past
 * `MAX_LINE` (the caller cuts it and says so).
 */
function substitute(text: string, values: ReadonlyMap<string, string>, counter: string): string {
  if (text.indexOf('\\') < 0) return text;
  let out = '';
  for (let i = 0; i < text.length && out.length <= MAX_LINE; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '@') {
      out += counter;
      i++;
      continue;
    }
    if (next === '(' && text[i + 2] === ')') {
      i += 2;
      continue;
    }
    // The whole name after the backslash, as GAS's get_token reads it: `\index` in a macro
    // with a parameter `i` is no use of `i` (it stays for an inner `.irpc index`), and
    // `\reg.d` is no use of `reg`. An apostrophe right after the name is dropped (`\n'`).
    const m = /^[A-Za-z_.$][A-Za-z0-9_.$]*/.exec(text.slice(i + 1, i + 1 + MAX_NAME));
    if (m !== null) {
      const value = values.get(m[0]);
      if (value !== undefined) {
        out += value;
        i += m[0].length + (text[i + 1 + m[0].length] === "'" ? 1 : 0);
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** A parameter list (`a, b=1, c:req` or `a b c`), each default read as GAS reads an argument. */
function parseParameters(text: string): { parameters: Parameter[]; bad: string | undefined } {
  const parameters: Parameter[] = [];
  let i = 0;
  for (let guard = 0; guard <= text.length; guard++) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)(?:\s*:\s*(req|vararg))?\s*/.exec(text.slice(i));
    if (m === null) return { parameters, bad: text.slice(i) };
    i += m[0].length;
    let fallback = '';
    if (text[i] === '=') {
      i++;
      while (text[i] === ' ' || text[i] === '\t') i++;
      const read = readArgument(text, i);
      fallback = read.value;
      i = read.end;
    }
    parameters.push({ name: m[1]!, required: m[2] === 'req', vararg: m[2] === 'vararg', fallback });
  }
  return { parameters, bad: undefined };
}

/**
 * `A == A`, `A - A` and the other comparisons of a symbol with itself, which GAS folds to a
 * constant whatever A is (gas/expr.c), even when A has no value: Linux's `.if \name == XDATA`
 * with `name` = XDATA. Undefined for anything else.
 */
function sameSymbolComparison(text: string): bigint | undefined {
  const m = /^\s*([A-Za-z_.$][A-Za-z0-9_.$]*)\s*(==|!=|<>|<=|>=|<|>|-)\s*([A-Za-z_.$][A-Za-z0-9_.$]*)\s*$/.exec(text);
  if (m === null || m[1] !== m[3]) return undefined;
  return m[2] === '==' || m[2] === '<=' || m[2] === '>=' ? -1n : 0n;
}

/** `.ifc a,b` and `.ifeqs "a","b"`: the two strings, or undefined when there is no comma. */
function splitComparison(text: string): [string | undefined, string] {
  const args = splitMacroArguments(text, () => false);
  if (args.length < 2) return text.indexOf(',') >= 0 ? [args[0]?.value ?? '', ''] : [undefined, ''];
  return [args[0]!.value, args[1]!.value];
}

/** Registers in a `.if` expression become symbols with this prefix, which no GAS symbol has. */
const REGISTER_MARK = '$$reg$';

/** `%rsp` -> `$$reg$rsp`, so that the expression evaluator sees a symbol. */
function registersAsSymbols(text: string): string {
  return text.indexOf('%') < 0 ? text : text.replace(/%([A-Za-z][A-Za-z0-9]*)/g, (_, name: string) => `${REGISTER_MARK}${name.toLowerCase()}`);
}

/** A value per register name, far from any constant an expression compares it with; equal names are equal. */
function registerValue(name: string): bigint {
  let hash = 0x5bd1e995n;
  for (let k = 0; k < name.length; k++) hash = BigInt.asUintN(48, hash * 31n + BigInt(name.charCodeAt(k)));
  return (1n << 56n) + hash;
}

function unquote(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}
