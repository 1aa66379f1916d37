/**
 * NASM's single-line macros (`%define`, `%idefine`, `%xdefine`, `%assign`, with parameters): the
 * table of definitions and the expansion of a line, repeated until nothing changes and bounded in
 * depth, length and work like every expansion stage.
 */
import { EXPANSION_LIMITS, MAX_LINE, capLine, type ExpansionOutput, type WorkBudget } from './expansion';
import { matchingParen, replaceWithin, splitNasmArguments } from './nasm-lex';

/** One single-line macro: its parameters (undefined when defined without parentheses), its body, and whether it is caseless (`%idefine`). */
export interface SingleLine {
  readonly parameters: readonly string[] | undefined;
  readonly body: string;
  readonly caseless: boolean;
}

/** The single-line macros in force, by name (lower case for the caseless ones). */
export class SingleLineMacros {
  readonly #macros = new Map<string, SingleLine>();

  constructor(readonly out: ExpansionOutput, readonly work: WorkBudget) {}

  /** True when `name` is defined (as written, or caseless). */
  has(name: string): boolean {
    return this.#macros.has(name) || this.#macros.has(name.toLowerCase());
  }

  /** `%undef name`. */
  delete(name: string): void {
    this.#macros.delete(name);
  }

  /** Defines `name` as `body` without parameters (`%assign`). */
  set(name: string, body: string, caseless: boolean): void {
    this.#macros.set(name, { parameters: undefined, body, caseless });
  }

  /** `%define`, `%xdefine` (`expandNow`) and their caseless `%i` forms: `rest` is what follows the directive. */
  define(rest: string, expandNow: boolean, origin: number, caseless: boolean): void {
    const m = /^\s*([A-Za-z_.$?@][\w.$#@~?]*)(\(([^)]*)\))?\s?(.*)$/.exec(rest);
    if (m === null) {
      this.out.problem(origin, `%define without a name`);
      return;
    }
    const parameters = m[2] === undefined ? undefined : m[3]!.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const body = expandNow ? this.expand(m[4]!.trim(), origin, 0) : m[4]!.trim();
    this.#macros.set(caseless ? m[1]!.toLowerCase() : m[1]!, { parameters, body, caseless });
  }

  /** Expands single-line macros in `text`. */
  expand(text: string, origin: number, depth: number): string {
    if (this.#macros.size === 0 || depth > EXPANSION_LIMITS.depth) {
      if (depth > EXPANSION_LIMITS.depth) this.out.problem(origin, `single-line macro nested more than ${EXPANSION_LIMITS.depth} deep (recursive?); left unexpanded`);
      return text;
    }
    let out = '';
    let changed = false;
    const ident = /[A-Za-z_.$?@][\w.$#@~?]*/y;
    if (!this.work.spend(text.length + 1, origin)) return text;
    // A line the macros made longer than `MAX_LINE` is cut (a written line that long is kept whole).
    for (let i = 0; i < text.length && (out.length <= MAX_LINE || !changed); ) {
      const c = text[i]!;
      if (c === ';') return changed ? this.expand(out + text.slice(i), origin, depth + 1) : out + text.slice(i);
      if (c === '"' || c === "'" || c === '`') {
        const close = text.indexOf(c, i + 1);
        const end = close < 0 ? text.length : close + 1;
        out += text.slice(i, end);
        i = end;
        continue;
      }
      ident.lastIndex = i;
      const id = (i === 0 || !/[\w.$#@~?%]/.test(text[i - 1]!)) ? ident.exec(text) : null;
      if (id === null) {
        out += c;
        i++;
        continue;
      }
      const name = id[0];
      i += name.length;
      const definition = this.#macros.get(name) ?? this.#macros.get(name.toLowerCase());
      if (definition === undefined || (definition !== this.#macros.get(name) && !definition.caseless)) {
        out += name;
        continue;
      }
      if (definition.parameters === undefined) {
        out += definition.body;
        changed = true;
        continue;
      }
      let j = i;
      while (text[j] === ' ') j++;
      if (text[j] !== '(') {
        out += name;
        continue;
      }
      const close = matchingParen(text, j);
      if (close < 0) {
        out += name;
        continue;
      }
      const args = splitNasmArguments(text.slice(j + 1, close));
      let body = definition.body;
      definition.parameters.forEach((p, k) => {
        body = replaceWithin(body, new RegExp(`(?<![\\w.$#@~?])${p.replace(/[.$?]/g, '\\$&')}(?![\\w.$#@~?])`, 'g'), () => args[k] ?? '');
      });
      out += body;
      i = close + 1;
      changed = true;
    }
    // `%define A A` expands to itself: NASM does not expand a macro inside its own expansion.
    if (!changed || out === text) return out;
    if (out.length > MAX_LINE) return capLine(out, origin, this.out, 'single-line macro expansion');
    return this.expand(out, origin, depth + 1);
  }
}
