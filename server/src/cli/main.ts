/**
 * The `redzone-lint` executable. The only module that touches argv, stdout, stderr and the exit
 * code: everything else returns strings and results.
 *
 * Exit status (docs/contracts.md): 0 no findings of warning or error severity; 1 such findings; 2 a usage
 * or input error, with a message on stderr while the other inputs are still analyzed and reported.
 * No input and no internal failure ever ends in a stack trace (set REDZONE_DEBUG=1 to see one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { parseCommandLine, synopsis, usage, type Command } from './args';
import { exitCodeOf, runCheck, type Notice } from './check';
import { disasmCommand, layoutCommand } from './commands';
import { explain } from './explain';
import { formatJson } from './format-json';
import { formatSarif } from './format-sarif';
import { formatText } from './format-text';
import { locateFindings } from './locate';

const name = 'redzone-lint';

// A CLI run lasts about a second, and TurboFan's inlining made compiling the analysis's hot loops
// cost more processor time than running them: on a 5 MB `.s`, 0.4 s of 1.2 s, on the second core
// that object scans give to a worker. Without inlining the compiled code is a little slower but
// ready much sooner (`npm run bench:text`: 0.79 s -> 0.63 s). The flag is process-wide, so worker
// threads get it too; the language server, which runs for hours, keeps the default.
setFlagsFromString('--no-turbo-inlining');

/** The package version, read from the package.json that ships beside dist/. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function printNotices(notices: readonly Notice[]): void {
  for (const notice of notices) writeError(`${name}: ${notice.level}: ${notice.message}`);
}

async function run(command: Command): Promise<number> {
  const cwd = process.cwd();
  switch (command.kind) {
    case 'help':
      process.stdout.write(usage);
      return 0;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    case 'explain': {
      const result = explain(command.code);
      if (!result.ok) {
        writeError(`${name}: error: ${result.message}`);
        return 2;
      }
      process.stdout.write(result.text);
      return 0;
    }
    case 'layout':
    case 'disasm': {
      const result =
        command.kind === 'layout' ? await layoutCommand(command.file, command.line, command.flags, cwd) : await disasmCommand(command.file, cwd, command.intel, command.maxFileSize);
      printNotices(result.notices);
      if (!result.ok) {
        writeError(`${name}: error: ${result.message}`);
        return 2;
      }
      process.stdout.write(result.text);
      return result.notices.some((notice) => notice.level === 'error') ? 2 : 0;
    }
    case 'check': {
      const checked = await runCheck({ flags: command.flags, paths: command.paths, cwd, jobs: command.jobs });
      printNotices(checked.notices);
      for (const file of checked.files) {
        if (file.error !== undefined) writeError(`${name}: error: ${file.path}: ${file.error}`);
      }
      const findings = locateFindings(checked);
      const output =
        command.format === 'json'
          ? formatJson(checked, findings)
          : command.format === 'sarif'
            ? formatSarif(checked, findings, { version: version(), cwd })
            : formatText(checked, findings);
      process.stdout.write(output);
      return exitCodeOf(checked);
    }
  }
}

/**
 * Writes one line to stderr with every control character of `line` (a name read from a damaged
 * archive, a path) written as `\xNN`: the terminal shows what the file holds and never obeys it.
 */
function writeError(line: string): void {
  process.stderr.write(`${line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
}

async function main(argv: readonly string[]): Promise<void> {
  // A closed pipe (`redzone-lint check . | head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const parsed = parseCommandLine(argv);
  if (!parsed.ok) {
    process.stderr.write(`${name}: error: ${parsed.message}\n\n${synopsis}Run '${name} --help' for the options.\n`);
    process.exitCode = 2;
    return;
  }
  // exitCode rather than exit(): exit() may cut off output still queued for a pipe.
  process.exitCode = await run(parsed.command);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  writeError(`${name}: internal error: ${message}`);
  if (process.env.REDZONE_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write(`(please report this; set REDZONE_DEBUG=1 to include the stack)\n`);
  process.exitCode = 2;
});
