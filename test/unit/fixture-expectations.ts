/**
 * How an assembly fixture (test/fixtures/asm) states what the analysis must find: each expected
 * finding is a comment line under the offending line,
 *
 *     movl %edi, -20(%rbp)
 * # ^ red-zone-store offset=-20 size=4
 *
 * (`function=NAME` or `function="(code at line 12)"` names the function the finding belongs to)
 * and a first-lines comment `# options: --abi ms --user` sets analysis options (a magic comment
 * `redzone: kernel` is read by the analysis itself). `# object: yes` asks for the fixture to be
 * assembled and checked through the object path too.
 */
import type { AnalysisOptions } from '../../server/src/core/index';

/** One expected finding: the 0-based line it is reported on, its code and its attributes. */
export interface Expected {
  readonly line: number;
  readonly code: string;
  readonly attrs: Readonly<Record<string, string>>;
}

const expectation = /^\s*[#;]\s*\^\s*([a-z-]+)((?:\s+\w+=(?:"[^"]*"|\S+))*)\s*$/;

/** The expected findings written under the lines of a fixture. */
export function readExpectations(text: string): Expected[] {
  const lines = text.split('\n');
  const expected: Expected[] = [];
  let target = -1;
  lines.forEach((content, line) => {
    const match = expectation.exec(content);
    if (match === null) {
      target = line;
      return;
    }
    const attrs: Record<string, string> = {};
    // offset=-20 size=4 function="(code at line 12)"
    for (const pair of match[2]!.matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g)) attrs[pair[1]!] = pair[2] ?? pair[3]!;
    expected.push({ line: target, code: match[1]!, attrs });
  });
  return expected;
}

/** The analysis options a fixture's `options:` comment sets. */
export function readOptions(text: string): AnalysisOptions {
  const match = /options:\s*(.*)/.exec(text.split('\n').slice(0, 5).join('\n'));
  const words = match?.[1]?.split(/\s+/) ?? [];
  const options: { abi?: AnalysisOptions['abi']; forcedKernel?: AnalysisOptions['forcedKernel'] } = {};
  words.forEach((word, i) => {
    if (word === '--abi') options.abi = words[i + 1] as AnalysisOptions['abi'];
    if (word === '--user') options.forcedKernel = { kernel: false, reason: 'forced by the test' };
    if (word === '--kernel') options.forcedKernel = { kernel: true, reason: 'forced by the test' };
  });
  return options;
}

/** True when the fixture asks to be checked as an assembled object as well (`# object: yes`). */
export function wantsObject(text: string): boolean {
  return /^#\s*object:\s*yes\b/m.test(text.split('\n').slice(0, 5).join('\n'));
}
