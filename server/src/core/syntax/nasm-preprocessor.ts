/**
 * NASM's preprocessor, as the NASM manual (chapter 4) describes it: single-line macros
 * (`%define`, `%idefine`, `%xdefine`, `%undef`, with parameters, `%+` pasting), `%assign`,
 * multi-line macros (`%macro`/`%endmacro`, overloaded by parameter count, `%1`..`%n`, `%{n}`,
 * `%0`, greedy `+` and default parameters, `%%` local labels, `%rotate`), `%rep`/`%endrep`/
 * `%exitrep`, `%if`/`%ifdef`/`%ifndef`/`%ifidn`/`%ifidni`/`%ifmacro`/`%elif`/`%else`/`%endif`,
 * and `%include`. Lines from a macro keep the invocation's line.
 */
import { evaluateConstant } from './const-expr';
import { EXPANSION_LIMITS, LINE_WORK, WorkBudget, capLine, findInclude, splitLines, type ExpansionOutput, type SourceLine, type SourceOptions } from './expansion';
import { SingleLineMacros } from './nasm-defines';
import { joinContinuations, nextArgumentStart, replaceWithin, splitNasmArguments, stripNasmComment } from './nasm-lex';

interface MultiLine {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly greedy: boolean;
  readonly defaults: readonly string[];
  readonly body: readonly string[];
}

interface Frame {
  readonly lines: readonly SourceLine[];
  pos: number;
  readonly origin: number | undefined;
  readonly chain: string | undefined;
  readonly file: string | undefined;
  /** For a macro body: its arguments (rotated by `%rotate`) and its `%%` prefix. */
  readonly args: string[] | undefined;
  readonly local: string | undefined;
  /** For a `%rep` body: how many more times to read it. */
  repeats: number;
  readonly rep: boolean;
}

interface Collection {
  readonly kind: 'macro' | 'rep';
  readonly header: string;
  readonly line: number;
  depth: number;
  readonly body: string[];
}

/** Runs NASM's preprocessor over the lines (the written ones, or the C preprocessor's) into `out`. */
export function preprocessNasm(lines: readonly SourceLine[], options: SourceOptions, out: ExpansionOutput): void {
  new NasmPreprocessor(options, out, new WorkBudget(out)).run(joinContinuations(lines));
}

class NasmPreprocessor {
  readonly #single: SingleLineMacros;
  readonly #multi = new Map<string, MultiLine[]>();
  readonly #frames: Frame[] = [];
  readonly #conditionals: { active: boolean; taken: boolean; outer: boolean; unknown: boolean; line: number }[] = [];
  #collection: Collection | undefined;
  #counter = 0;

  constructor(readonly options: SourceOptions, readonly out: ExpansionOutput, readonly work: WorkBudget) {
    this.#single = new SingleLineMacros(out, work);
    for (const define of options.defines ?? []) {
      const eq = define.indexOf('=');
      this.#single.define(eq < 0 ? `${define} 1` : `${define.slice(0, eq)} ${define.slice(eq + 1)}`, false, 0, false);
    }
  }

  run(input: readonly SourceLine[]): void {
    this.#frames.push({ lines: input, pos: 0, origin: undefined, chain: undefined, file: this.options.fileName, args: undefined, local: undefined, repeats: 0, rep: false });
    while (this.#frames.length > 0 && !this.out.exhausted) {
      const frame = this.#frames[this.#frames.length - 1]!;
      if (frame.pos >= frame.lines.length) {
        if (frame.repeats > 1) {
          frame.repeats--;
          frame.pos = 0;
        } else this.#frames.pop();
        continue;
      }
      const line = frame.lines[frame.pos++]!;
      if (!this.work.spend(line.text.length + LINE_WORK, frame.origin ?? line.origin)) return;
      this.#line(frame, line);
    }
    if (this.#collection !== undefined) {
      this.out.problem(this.#collection.line, `${this.#collection.header} has no end; its lines are not analyzed`);
      this.out.uncover(this.#collection.line, this.#collection.line + this.#collection.body.length, 'unterminated macro or loop');
    }
    for (const conditional of this.#conditionals) this.out.problem(conditional.line, '%if without %endif');
  }

  #active(): boolean {
    const top = this.#conditionals[this.#conditionals.length - 1];
    return top === undefined || top.active;
  }

  #emit(frame: Frame, line: SourceLine, text: string, verbatim: boolean): void {
    this.out.emit({ text, origin: frame.origin ?? line.origin, verbatim: verbatim && frame.origin === undefined && line.verbatim, macro: frame.chain ?? line.macro });
  }

  #line(frame: Frame, line: SourceLine): void {
    const origin = frame.origin ?? line.origin;
    const raw = frame.args !== undefined ? this.#macroParameters(line.text, frame, origin) : line.text;
    const code = stripNasmComment(raw);
    const directive = /^\s*(%[a-z]+)\b\s*(.*)$/i.exec(code);
    const word = directive?.[1]!.toLowerCase();
    if (this.#collection !== undefined) {
      this.#collect(frame, line, word, directive?.[2] ?? '');
      return;
    }
    if (word !== undefined && this.#conditional(word, directive![2]!, origin)) {
      this.#emit(frame, line, '', false);
      return;
    }
    if (!this.#active()) {
      this.#emit(frame, line, '', false);
      return;
    }
    if (word !== undefined) {
      this.#directive(word, directive![2]!, frame, line, origin);
      return;
    }
    const expanded = this.#single.expand(raw, origin, 0);
    // A multi-line macro: the first word (after a label) names it.
    const m = /^(\s*(?:[A-Za-z_.$?@][\w.$#@~?]*:\s*)?)([A-Za-z_.$?@][\w.$#@~?]*)(?:\s+(.*))?$/.exec(stripNasmComment(expanded));
    if (m !== null) {
      const definitions = this.#multi.get(m[2]!.toLowerCase());
      if (definitions !== undefined) {
        const args = splitNasmArguments(m[3] ?? '');
        const macro = definitions.find((d) => args.length >= d.min && (args.length <= d.max || d.greedy)) ?? definitions.find((d) => args.length === 0 && d.min <= 1);
        if (macro === undefined) {
          this.out.problem(origin, `macro \`${m[2]}\` takes ${definitions.map((d) => (d.min === d.max ? d.min : `${d.min}-${d.max}`)).join(' or ')} parameters, not ${args.length}; the line is not analyzed`);
          this.out.uncover(origin, origin, 'macro invocation rejected');
          this.#emit(frame, line, '', false);
          return;
        }
        if (m[1]!.trim() !== '') this.#emit(frame, line, m[1]!.trim(), false);
        else this.#emit(frame, line, '', false);
        this.#invoke(macro, m[3] ?? '', args, frame, line);
        return;
      }
    }
    const pasted = expanded.indexOf('%+') >= 0 ? expanded.replace(/\s*%\+\s*/g, '') : expanded;
    this.#emit(frame, line, pasted, pasted === line.text);
  }

  /** Conditional directives; true when `word` was one. */
  #conditional(word: string, rest: string, origin: number): boolean {
    const top = this.#conditionals[this.#conditionals.length - 1];
    if (word.startsWith('%if')) {
      if (!this.#active()) {
        this.#conditionals.push({ active: false, taken: true, outer: false, unknown: false, line: origin });
        return true;
      }
      const value = this.#condition(word.slice(3), rest, origin);
      this.#conditionals.push({ active: value === true, taken: value !== false, outer: true, unknown: value === undefined, line: origin });
      if (value === undefined) this.out.problem(origin, `${word} ${rest.trim()}: the condition cannot be evaluated; neither branch is analyzed`);
      return true;
    }
    if (word.startsWith('%elif')) {
      if (top === undefined) return true;
      if (!top.outer || top.taken || top.unknown) {
        top.active = false;
        return true;
      }
      const value = this.#condition(word.slice(5), rest, origin);
      top.active = value === true;
      top.taken = value !== false;
      if (value === undefined) {
        this.out.problem(origin, `${word} ${rest.trim()}: the condition cannot be evaluated; its lines are not analyzed`);
        this.out.uncover(origin, origin, 'condition not evaluated');
      }
      return true;
    }
    if (word === '%else') {
      if (top !== undefined) {
        top.active = top.outer && !top.taken && !top.unknown;
        top.taken = true;
      }
      return true;
    }
    if (word === '%endif') {
      const popped = this.#conditionals.pop();
      if (popped === undefined) this.out.problem(origin, '%endif without %if');
      else if (popped.unknown) this.out.uncover(popped.line, origin, 'condition not evaluated');
      return true;
    }
    return false;
  }

  #condition(kind: string, rest: string, origin: number): boolean | undefined {
    const negate = kind.startsWith('n') && kind !== 'num' ? (kind = kind.slice(1), true) : false;
    const result = ((): boolean | undefined => {
      const text = rest.trim();
      switch (kind) {
        case '':
          return this.#evaluate(text, origin) === undefined ? undefined : this.#evaluate(text, origin) !== 0n;
        case 'def':
          return this.#single.has(text);
        case 'macro':
          return this.#multi.has(text.split(/\s/)[0]!.toLowerCase());
        case 'idn':
        case 'idni': {
          const [a, b] = splitNasmArguments(this.#single.expand(text, origin, 0));
          if (a === undefined || b === undefined) return undefined;
          const norm = (s: string): string => s.replace(/\s+/g, '');
          return kind === 'idn' ? norm(a) === norm(b) : norm(a).toLowerCase() === norm(b).toLowerCase();
        }
        case 'empty':
          return this.#single.expand(text, origin, 0).trim() === '';
        case 'num':
          return /^[0-9]/.test(this.#single.expand(text, origin, 0).trim());
        case 'id':
          return /^[A-Za-z_.$?@]/.test(this.#single.expand(text, origin, 0).trim());
        case 'str':
          return /^["'`]/.test(this.#single.expand(text, origin, 0).trim());
        default:
          return undefined;
      }
    })();
    return result === undefined ? undefined : result !== negate;
  }

  #evaluate(text: string, origin: number): bigint | undefined {
    const expanded = this.#single.expand(text, origin, 0);
    return evaluateConstant(expanded, 'c', () => undefined);
  }

  #directive(word: string, rest: string, frame: Frame, line: SourceLine, origin: number): void {
    this.#emit(frame, line, '', false);
    switch (word) {
      case '%define':
      case '%idefine':
      case '%xdefine':
      case '%ixdefine':
        this.#single.define(rest, word.includes('x'), origin, word.startsWith('%i'));
        return;
      case '%undef':
        this.#single.delete(rest.trim());
        return;
      case '%assign':
      case '%iassign': {
        const m = /^([A-Za-z_.$?@][\w.$#@~?]*)\s+(.*)$/.exec(rest.trim());
        const value = m === null ? undefined : this.#evaluate(m[2]!, origin);
        if (m === null) this.out.problem(origin, `${word} without a name`);
        else if (value === undefined) {
          this.out.problem(origin, `${word} ${m[1]}: the value cannot be evaluated`);
          this.#single.delete(m[1]!);
        } else this.#single.set(m[1]!, String(value), word === '%iassign');
        return;
      }
      case '%macro':
      case '%imacro':
        this.#collection = { kind: 'macro', header: `${word} ${rest.trim()}`, line: origin, depth: 1, body: [] };
        return;
      case '%rep':
        this.#collection = { kind: 'rep', header: `%rep ${rest.trim()}`, line: origin, depth: 1, body: [] };
        return;
      case '%unmacro':
      case '%unimacro':
        this.#multi.delete(rest.trim().split(/\s/)[0]!.toLowerCase());
        return;
      case '%exitrep':
      case '%exitmacro': {
        const want = word === '%exitrep';
        while (this.#frames.length > 1) {
          const top = this.#frames.pop()!;
          if (want ? top.rep : top.args !== undefined) break;
        }
        return;
      }
      case '%rotate':
        this.#rotate(frame, rest, origin);
        return;
      case '%include':
        this.#include(rest, frame, line, origin);
        return;
      case '%error':
        this.out.problem(origin, `%error ${rest.trim()}`);
        return;
      case '%endmacro':
      case '%endm':
      case '%endrep':
        this.out.problem(origin, `${word} without its opening directive`);
        return;
      case '%warning':
      case '%line':
      case '%pragma':
      case '%use':
      case '%fatal':
      case '%clear':
        return;
      default:
        this.out.problem(origin, `preprocessor directive ${word} is not supported; the line is not analyzed`);
        this.out.uncover(origin, origin, `unsupported ${word}`);
    }
  }

  #collect(frame: Frame, line: SourceLine, word: string | undefined, rest: string): void {
    const collection = this.#collection!;
    const opens = collection.kind === 'macro' ? word === '%macro' || word === '%imacro' : word === '%rep';
    const closes = collection.kind === 'macro' ? word === '%endmacro' || word === '%endm' : word === '%endrep';
    if (opens) collection.depth++;
    if (closes && --collection.depth === 0) {
      this.#collection = undefined;
      this.#emit(frame, line, '', false);
      if (collection.kind === 'macro') this.#defineMulti(collection);
      else this.#repeat(collection, frame, line);
      return;
    }
    void rest;
    collection.body.push(line.text);
    if (frame.origin === undefined) this.#emit(frame, line, '', false);
  }

  #defineMulti(collection: Collection): void {
    const m = /^%i?macro\s+([^\s]+)\s+(\d+)(?:-(\d+|\*))?(\+)?(?:\.nolist)?\s*(.*)$/i.exec(collection.header);
    if (m === null) {
      this.out.problem(collection.line, `${collection.header}: not understood`);
      return;
    }
    const min = Number(m[2]);
    const max = m[3] === undefined ? min : m[3] === '*' ? Infinity : Number(m[3]);
    const name = m[1]!.toLowerCase();
    const macro: MultiLine = { name: m[1]!, min, max, greedy: m[4] === '+', defaults: splitNasmArguments(m[5] ?? ''), body: collection.body };
    const list = (this.#multi.get(name) ?? []).filter((d) => d.min !== min || d.max !== max);
    list.push(macro);
    this.#multi.set(name, list);
  }

  #invoke(macro: MultiLine, rawArgs: string, parsed: string[], frame: Frame, line: SourceLine): void {
    const origin = frame.origin ?? line.origin;
    if (this.#frames.length > EXPANSION_LIMITS.depth) {
      this.out.problem(origin, `macro \`${macro.name}\` nested more than ${EXPANSION_LIMITS.depth} deep (recursive?); not expanded further`);
      this.out.uncover(origin, origin, 'macro nesting too deep');
      return;
    }
    let args = parsed;
    const count = Math.max(macro.min, Number.isFinite(macro.max) ? macro.max : args.length);
    if (macro.greedy && args.length > count) {
      // The last parameter takes the rest of the line, commas and all.
      const fixed = args.slice(0, count - 1);
      let at = 0;
      for (let k = 0; k < count - 1; k++) at = nextArgumentStart(rawArgs, at);
      args = [...fixed, rawArgs.slice(at).trim()];
    }
    const supplied = args.length;
    const filled = [...args];
    for (let k = supplied; k < (Number.isFinite(macro.max) ? macro.max : supplied); k++) filled.push(macro.defaults[k - macro.min] ?? '');
    const chain = frame.chain === undefined ? macro.name : `${frame.chain} → ${macro.name}`;
    if (!this.work.spend(macro.body.reduce((sum, text) => sum + text.length + LINE_WORK, 0), origin)) return;
    const lines = macro.body.map((text) => ({ text, origin, verbatim: false, macro: chain }));
    const argsWithCount = [String(supplied), ...filled];
    this.#frames.push({ lines, pos: 0, origin, chain, file: frame.file, args: argsWithCount, local: `..@${this.#counter++}.`, repeats: 0, rep: false });
  }

  /** Substitutes `%0`, `%1`..`%n`, `%{n}`, `%%label` in a macro body line. */
  #macroParameters(text: string, frame: Frame, origin: number): string {
    if (text.indexOf('%') < 0) return text;
    const args = frame.args!;
    const substituted = replaceWithin(text, /%%([\w.$#@~?]+)|%\{(-?\d+)\}|%(\d+)/g, (_match, local, braced, plain) => {
      if (local !== undefined) return `${frame.local}${local}`;
      const k = Number(braced ?? plain);
      if (k === 0) return args[0]!;
      return args[k] ?? '';
    });
    this.work.spend(substituted.length, origin);
    return capLine(substituted, origin, this.out, 'macro parameter substitution');
  }

  #rotate(frame: Frame, rest: string, origin: number): void {
    const macroFrame = [...this.#frames].reverse().find((f) => f.args !== undefined);
    const by = this.#evaluate(rest, origin);
    if (macroFrame === undefined || by === undefined) {
      this.out.problem(origin, '%rotate outside a macro or with an unknown count');
      return;
    }
    const params = macroFrame.args!.slice(1);
    if (params.length === 0) return;
    const n = ((Number(by % BigInt(params.length)) % params.length) + params.length) % params.length;
    macroFrame.args!.splice(1, params.length, ...params.slice(n), ...params.slice(0, n));
    void frame;
  }

  #repeat(collection: Collection, frame: Frame, line: SourceLine): void {
    const origin = collection.line;
    const count = this.#evaluate(collection.header.slice(4).replace(/\.nolist/i, ''), origin);
    if (count === undefined) {
      this.out.problem(origin, `${collection.header}: the count cannot be evaluated; the loop is not analyzed`);
      this.out.uncover(origin, origin + collection.body.length + 1, 'loop count not evaluated');
      return;
    }
    if (count <= 0n || collection.body.length === 0) return;
    const chain = frame.chain === undefined ? '%rep' : `${frame.chain} → %rep`;
    const lines = collection.body.map((text) => ({ text, origin: frame.origin ?? origin, verbatim: false, macro: chain }));
    const times = Number(count > 10_000_000n ? 10_000_000n : count);
    this.#frames.push({ lines, pos: 0, origin: frame.origin ?? origin, chain, file: frame.file, args: frame.args, local: frame.local, repeats: times, rep: true });
    void line;
  }

  #include(rest: string, frame: Frame, line: SourceLine, origin: number): void {
    const name = rest.trim().replace(/^["<'](.*)[">']$/, '$1');
    if (this.#frames.length > EXPANSION_LIMITS.depth) {
      this.out.problem(origin, `%include "${name}" nested more than ${EXPANSION_LIMITS.depth} deep; not followed`);
      return;
    }
    const found = findInclude(name, frame.file, false, this.options);
    if (found === undefined) {
      this.out.problem(origin, `%include "${name}" not found${this.options.readFile === undefined ? ' (includes are not read here)' : ''}; what it defines is not expanded`);
      return;
    }
    if (!this.work.spend(found.text.length, origin)) return;
    const chain = frame.chain === undefined ? `%include "${name}"` : `${frame.chain} → %include "${name}"`;
    const lines = joinContinuations(splitLines(found.text).map((text) => ({ text, origin, verbatim: false, macro: chain })));
    this.#frames.push({ lines, pos: 0, origin, chain, file: found.path, args: undefined, local: undefined, repeats: 0, rep: false });
    void line;
  }
}
