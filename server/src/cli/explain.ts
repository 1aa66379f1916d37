/**
 * `redzone-lint explain CODE`: the documentation of a finding code, straight from the findings
 * table so that the CLI, the language server and the README never disagree.
 */
import { findingDocUrl, findingInfo, findingTable } from '../core/index';

/** The text to print for a known code, or an error message listing the valid codes. */
export function explain(code: string): { ok: true; text: string } | { ok: false; message: string } {
  const info = findingInfo(code);
  if (info === undefined) {
    return { ok: false, message: `unknown code '${code}'; the codes are: ${findingTable.map((known) => known.code).join(', ')}` };
  }
  const text = [`${info.code} (default severity: ${info.severity})`, '', info.summary, '', info.documentation, '', `See ${findingDocUrl(info.code)}`];
  return { ok: true, text: `${text.join('\n')}\n` };
}
