/**
 * Adds `-mno-red-zone` to a Makefile or Kbuild file.
 *
 * The flag goes at the end of the first assignment of the variable the build reads
 * (`ccflags-y` for Kbuild, `CFLAGS` otherwise), after any `\` continuation lines and before a
 * trailing comment, so the file keeps its layout. A `?=` or `!=` assignment gets a `+=` line after
 * it instead: appending to `CFLAGS ?= -O2` would be lost whenever CFLAGS comes from the
 * environment.
 */
import { splitLines, newlineOf, type Line, type TextEdit } from './edit';

/** The flag all the build-file fixes add. */
export const noRedZoneFlag = '-mno-red-zone';

/** Options of `addFlagToMakefile`. */
export interface MakefileFix {
  /** The file is read by Kbuild (a `Kbuild` file or a Makefile that sets `obj-y`/`obj-m`). */
  readonly kbuild: boolean;
}

/** True for a Makefile that Kbuild reads. */
export function isKbuildMakefile(fileName: string, text: string): boolean {
  return /(^|[\\/])Kbuild$/.test(fileName) || /^\s*obj-(y|m|\$\()/m.test(text);
}

/** The edit that adds the flag, or undefined when the file already passes it. */
export function addFlagToMakefile(text: string, options: MakefileFix): TextEdit[] | undefined {
  const logical = logicalLines(splitLines(text));
  if (logical.some((line) => line.parts.some((part) => stripComment(part.text).includes(noRedZoneFlag)))) return undefined;
  const variables = options.kbuild ? ['ccflags-y', 'KCFLAGS', 'CFLAGS'] : ['CFLAGS', 'KCFLAGS', 'ccflags-y'];
  const nl = newlineOf(text);
  for (const variable of variables) {
    for (const line of logical) {
      const operator = assignmentOperator(line.parts[0].text, variable);
      if (operator === undefined) continue;
      const last = line.parts[line.parts.length - 1];
      if (operator === '?=' || operator === '!=') {
        return [{ start: last.end, end: last.end, newText: `${nl}${variable} += ${noRedZoneFlag}` }];
      }
      return [appendToLine(last)];
    }
  }
  const variable = options.kbuild ? 'ccflags-y' : 'CFLAGS';
  const newLine = `${variable} += ${noRedZoneFlag}${nl}`;
  const before = firstRuleStart(logical);
  if (before !== undefined) return [{ start: before, end: before, newText: newLine }];
  const needsNewline = text.length > 0 && !text.endsWith('\n');
  return [{ start: text.length, end: text.length, newText: (needsNewline ? nl : '') + newLine }];
}

/** A line joined with its `\` continuation lines. */
interface LogicalLine {
  readonly parts: readonly Line[];
}

function logicalLines(lines: readonly Line[]): LogicalLine[] {
  const result: LogicalLine[] = [];
  let parts: Line[] = [];
  for (const line of lines) {
    parts.push(line);
    if (/(^|[^\\])(\\\\)*\\$/.test(line.text) && !line.text.trimStart().startsWith('#')) continue;
    result.push({ parts });
    parts = [];
  }
  if (parts.length > 0) result.push({ parts });
  return result;
}

/** A logical line as one line of text, its continuation backslashes read as blanks. */
function joinedText(line: LogicalLine): string {
  return line.parts.map((part) => part.text.replace(/\\$/, ' ')).join(' ');
}

/** A variable assignment: `CFLAGS += -O2`, `export ccflags-y := ...`. */
interface Assignment {
  readonly variable: string;
  readonly operator: string;
  readonly value: string;
}

/** The assignment `line` makes, or undefined (recipe lines start with a tab and never make one). */
function assignmentOf(line: string): Assignment | undefined {
  if (line.startsWith('\t')) return undefined;
  const match = /^\s*(?:(?:export|override)\s+)*([A-Za-z_][A-Za-z0-9_-]*)\s*(\+=|:::=|::=|:=|\?=|!=|=)(.*)$/.exec(line);
  return match === null ? undefined : { variable: match[1]!, operator: match[2]!, value: match[3]! };
}

/** The assignment operator when `line` assigns `variable`. */
function assignmentOperator(line: string, variable: string): string | undefined {
  const assignment = assignmentOf(line);
  return assignment?.variable === variable ? assignment.operator : undefined;
}

/** Appends the flag to the line's content, before a trailing comment and trailing blanks. */
function appendToLine(line: Line): TextEdit {
  const content = stripComment(line.text).trimEnd();
  const at = line.start + content.length;
  const continued = content.endsWith('\\');
  if (continued) return { start: at - 1, end: at - 1, newText: `${noRedZoneFlag} ` };
  return { start: at, end: at, newText: ` ${noRedZoneFlag}` };
}

/** The line without its `#` comment (an escaped `\#` is not a comment). */
function stripComment(line: string): string {
  if (line.startsWith('\t')) return line;
  const match = /(^|[^\\])#/.exec(line);
  return match === null ? line : line.slice(0, match.index + match[1].length);
}

/**
 * Where the first rule begins (including the comment block right above it), so a new variable
 * line is defined before any rule uses it in a prerequisite or an immediate expansion.
 */
function firstRuleStart(logical: readonly LogicalLine[]): number | undefined {
  for (let i = 0; i < logical.length; i++) {
    const text = logical[i].parts[0].text;
    if (text.startsWith('\t') || /^\s*(#|$)/.test(text)) continue;
    if (/^\s*(-?include|ifn?eq|ifn?def|else|endif|define|endef|export|unexport|vpath)\b/.test(text)) continue;
    const colon = /:(?!=)/.exec(text);
    const assign = /[+:?!]?=/.exec(text);
    if (colon === null || (assign !== null && assign.index < colon.index)) continue;
    let start = i;
    while (start > 0 && /^\s*#/.test(logical[start - 1].parts[0].text)) start--;
    return logical[start].parts[0].start;
  }
  return undefined;
}

/** A Makefile rule that makes one file: its prerequisites, as written. */
export interface MakeRule {
  readonly target: string;
  readonly prerequisites: readonly string[];
}

/**
 * The rule of a Makefile that compiles `target` (a path relative to the Makefile's directory, with
 * `/`) to assembly: an explicit rule naming it (`irq.s: irq.c`) or a pattern rule matching it
 * (`%.s: %.c`), whose recipe passes `-S` (`$(CC) $(CFLAGS) -S -o $@ $<`), itself or through a
 * variable assigned in the file (`CFLAGS = -O0 -S`). Such a rule says the file is compiler output
 * as surely as a `.file` directive in it. Undefined when no rule does.
 */
export function assemblyRuleFor(text: string, target: string): MakeRule | undefined {
  const logical = logicalLines(splitLines(text));
  const passesS = (words: string): boolean => /(^|\s)-S(\s|$)/.test(words);
  // Variables whose value passes -S: `CFLAGS = -O0 -S`, `ASMFLAGS += -S`.
  const sVariables = new Set<string>();
  for (const line of logical) {
    // A `!=` value is a shell command's output, not the words written.
    const assignment = assignmentOf(stripComment(joinedText(line)));
    if (assignment !== undefined && assignment.operator !== '!=' && passesS(assignment.value)) sVariables.add(assignment.variable);
  }
  const recipePassesS = (line: string): boolean =>
    passesS(line) || [...line.matchAll(/\$[({]([A-Za-z_][A-Za-z0-9_-]*)[)}]/g)].some((use) => sVariables.has(use[1]!));
  for (let i = 0; i < logical.length; i++) {
    const head = joinedText(logical[i]);
    if (head.startsWith('\t')) continue;
    const rule = /^([^:=#]+?)\s*::?(?!=)\s*([^;#]*)/.exec(stripComment(head));
    if (rule === null) continue;
    const stem = rule[1].trim().split(/\s+/).map((pattern) => stemOf(pattern, target)).find((found) => found !== undefined);
    if (stem === undefined) continue;
    const recipe: string[] = [];
    for (let j = i + 1; j < logical.length && logical[j].parts[0].text.startsWith('\t'); j++) recipe.push(logical[j].parts.map((part) => part.text).join(' '));
    if (!recipe.some(recipePassesS)) continue;
    const prerequisites = rule[2].trim() === '' ? [] : rule[2].trim().split(/\s+/).map((name) => name.replace('%', stem));
    return { target, prerequisites };
  }
  return undefined;
}

/** What `%` stands for when `pattern` matches `target` ('' for an exact match), or undefined. */
function stemOf(pattern: string, target: string): string | undefined {
  const clean = pattern.replace(/^\.\//, '');
  const percent = clean.indexOf('%');
  if (percent < 0) return clean === target ? '' : undefined;
  const prefix = clean.slice(0, percent);
  const suffix = clean.slice(percent + 1);
  if (target.length < prefix.length + suffix.length || !target.startsWith(prefix) || !target.endsWith(suffix)) return undefined;
  return target.slice(prefix.length, target.length - suffix.length);
}
