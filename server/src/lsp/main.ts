/**
 * The entry of `dist/server.js` (`redzone-language-server`). The transport comes from argv:
 * `--stdio` for any editor, `--node-ipc` when the VS Code extension starts it, `--socket=N` and
 * `--pipe=NAME` also work.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const transports = ['--stdio', '--node-ipc', '--socket', '--pipe'];
if (!process.argv.some((arg) => transports.some((transport) => arg.startsWith(transport)))) {
  process.stderr.write('usage: redzone-language-server --stdio\n(the language server of redzone-lint; editors start it, people rarely do)\n');
  process.exit(2);
}

// A failure in one request must not take the editor's diagnostics down with it: log and go on.
process.on('uncaughtException', (error) => process.stderr.write(`redzone-language-server: ${error.stack ?? String(error)}\n`));
process.on('unhandledRejection', (error) => process.stderr.write(`redzone-language-server: ${String(error)}\n`));

startServer(createConnection(ProposedFeatures.all));
