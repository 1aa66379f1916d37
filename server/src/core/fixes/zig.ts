/**
 * Turns the red zone off in a `build.zig`.
 *
 * Since Zig 0.12 code generation options live on modules, so the fix adds `.red_zone = false,` to
 * every `b.createModule(.{ ... })` options literal; in a build script that creates its compile
 * steps directly (`const exe = b.addExecutable(.{ ... });`) it adds
 * `exe.root_module.red_zone = false;` after the statement instead.
 */
import { matchParen } from './calls';
import { indentOf, newlineOf, type TextEdit } from './edit';

const syntax = { quotes: '"' };

/** The edit that adds the option, or undefined when the file already has it or has no place for it. */
export function addRedZoneFalseToZig(text: string): TextEdit[] | undefined {
  const code = text.replace(/\/\/[^\n]*/g, (comment) => ' '.repeat(comment.length));
  if (/\.?red_zone\s*=\s*false/.test(code)) return undefined;
  const nl = newlineOf(text);
  const edits: TextEdit[] = [];
  for (const match of code.matchAll(/\b(?:createModule|addModule)\s*\((?:\s*"[^"]*"\s*,)?\s*\.\{/g)) {
    const brace = (match.index ?? 0) + match[0].length;
    const rest = code.slice(brace);
    const firstField = /^[ \t]*\r?\n([ \t]*)\S/.exec(rest);
    edits.push(
      firstField !== null
        ? { start: brace, end: brace, newText: `${nl}${firstField[1]}.red_zone = false,` }
        : { start: brace, end: brace, newText: ' .red_zone = false,' },
    );
  }
  if (edits.length > 0) return edits;
  for (const match of code.matchAll(/\b(?:const|var)\s+(\w+)\s*=\s*\w+\.(?:addExecutable|addStaticLibrary|addSharedLibrary|addLibrary|addObject|addTest)\s*\(/g)) {
    const open = (match.index ?? 0) + match[0].length - 1;
    const close = matchParen(code, open, syntax);
    const semicolon = code.indexOf(';', close);
    if (semicolon === -1) continue;
    const lineStart = text.lastIndexOf('\n', match.index ?? 0) + 1;
    const indent = indentOf(text.slice(lineStart));
    edits.push({ start: semicolon + 1, end: semicolon + 1, newText: `${nl}${indent}${match[1]}.root_module.red_zone = false;` });
  }
  return edits.length > 0 ? edits : undefined;
}
