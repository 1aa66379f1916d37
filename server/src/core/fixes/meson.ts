/**
 * Adds `-mno-red-zone` to a meson.build: `add_project_arguments('-mno-red-zone', language: [...])`
 * right after `project()`, for C, and for C++ too when the project declares it.
 * Meson requires project arguments to be set before any target is declared, so right after
 * `project()` is the one place that is always valid.
 */
import { afterLine, findCalls } from './calls';
import { newlineOf, type TextEdit } from './edit';
import { noRedZoneFlag } from './make';

const syntax = { quotes: "'" };

/** The edit that adds the flag, or undefined when the file already passes it. */
export function addFlagToMeson(text: string): TextEdit[] | undefined {
  const calls = findCalls(text, syntax);
  if (calls.some((call) => call.args.some((arg) => arg.includes(noRedZoneFlag)))) return undefined;
  const nl = newlineOf(text);
  const project = calls.find((call) => call.name === 'project');
  const languages = project !== undefined && project.args.includes('cpp') ? "'c', 'cpp'" : "'c'";
  const line = `add_project_arguments('${noRedZoneFlag}', language: [${languages}])`;
  const at = project === undefined ? text.length : afterLine(text, project.end);
  const prefix = at === text.length && text.length > 0 && !text.endsWith('\n') ? nl : '';
  return [{ start: at, end: at, newText: `${prefix}${line}${nl}` }];
}
