/**
 * Adds `-mno-red-zone` to a CMakeLists.txt.
 *
 * When a target lists the source file, only that target gets the flag
 * (`target_compile_options(<target> PRIVATE -mno-red-zone)` right after its definition), so the
 * rest of the project keeps its code generation. Otherwise `add_compile_options(-mno-red-zone)`
 * goes right after `project()`: it only affects targets defined after it in the directory.
 */
import { afterLine, findCalls, type Call } from './calls';
import { indentOf, newlineOf, type TextEdit } from './edit';
import { noRedZoneFlag } from './make';

/** Options of `addFlagToCMake`. */
export interface CMakeFix {
  /** The source files the code came from, relative to the CMakeLists.txt's directory, `/`-separated. */
  readonly sources: readonly string[];
}

const syntax = { quotes: '"' };
const targetCommands = new Set(['add_executable', 'add_library']);

/** The edit that adds the flag, or undefined when the file already passes it. */
export function addFlagToCMake(text: string, options: CMakeFix): TextEdit[] | undefined {
  const calls = findCalls(text, syntax);
  if (calls.some((call) => call.args.some((arg) => arg.includes(noRedZoneFlag)))) return undefined;
  const nl = newlineOf(text);
  const target = calls.find((call) => isTargetListing(call, calls, options.sources));
  if (target !== undefined) {
    const name = target.args[0];
    const definition = calls.find((call) => targetCommands.has(call.name.toLowerCase()) && call.args[0] === name) ?? target;
    return [insertLineAfter(text, definition, `target_compile_options(${name} PRIVATE ${noRedZoneFlag})`, nl)];
  }
  const line = `add_compile_options(${noRedZoneFlag})`;
  const project = calls.find((call) => call.name.toLowerCase() === 'project');
  if (project !== undefined) return [insertLineAfter(text, project, line, nl)];
  const first = calls.find((call) => targetCommands.has(call.name.toLowerCase()) || call.name.toLowerCase() === 'add_subdirectory');
  if (first !== undefined) {
    const start = text.lastIndexOf('\n', first.start) + 1;
    return [{ start, end: start, newText: `${indentOf(text.slice(start))}${line}${nl}` }];
  }
  const needsNewline = text.length > 0 && !text.endsWith('\n');
  return [{ start: text.length, end: text.length, newText: `${needsNewline ? nl : ''}${line}${nl}` }];
}

/** True for `add_executable`/`add_library`/`target_sources` calls that list one of the sources. */
function isTargetListing(call: Call, calls: readonly Call[], sources: readonly string[]): boolean {
  const name = call.name.toLowerCase();
  if (!targetCommands.has(name) && name !== 'target_sources') return false;
  if (call.args.length < 2 || /^(IMPORTED|ALIAS|INTERFACE)$/.test(call.args[1])) return false;
  if (name === 'target_sources' && !calls.some((other) => targetCommands.has(other.name.toLowerCase()) && other.args[0] === call.args[0])) return false;
  return call.args.slice(1).some((arg) => sources.some((source) => sameSource(arg, source)));
}

/** Compares a CMake source argument with a source path, ignoring `${CMAKE_CURRENT_SOURCE_DIR}/` and `./`. */
function sameSource(arg: string, source: string): boolean {
  const a = normalize(arg);
  const b = normalize(source);
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

function normalize(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\$\{[^}]*\}\//, '').replace(/^(\.\/)+/, '');
}

function insertLineAfter(text: string, call: Call, line: string, nl: string): TextEdit {
  const lineStart = text.lastIndexOf('\n', call.start) + 1;
  const at = afterLine(text, call.end);
  const prefix = at === text.length && !text.endsWith('\n') ? nl : '';
  return { start: at, end: at, newText: `${prefix}${indentOf(text.slice(lineStart))}${line}${nl}` };
}
