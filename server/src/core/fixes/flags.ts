/**
 * Adds `-mno-red-zone` to clangd's `compile_flags.txt`, which holds one flag per line.
 */
import { appendLine, splitLines, type TextEdit } from './edit';
import { noRedZoneFlag } from './make';

/** The edit that adds the flag, or undefined when the file already has it. */
export function addFlagToCompileFlags(text: string): TextEdit[] | undefined {
  if (splitLines(text).some((line) => line.text.trim() === noRedZoneFlag)) return undefined;
  return [appendLine(text, noRedZoneFlag)];
}
