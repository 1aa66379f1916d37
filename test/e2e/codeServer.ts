/**
 * Installs and runs a real VS Code: code-server 4.100.3 (VS Code 1.100.3, the newest release that
 * runs on Node 20) from the npm registry, as `docs/real-editors.md` describes.
 *
 * The plain `npm install` of code-server fails here (its postinstall wants `--unsafe-perm` and
 * downloads ripgrep), so the install skips every script, rebuilds the native modules one by one,
 * takes ripgrep from Debian and makes the links the postinstall would have made. The result is
 * cached outside the repository, keyed by the version, so only the first run pays the ~100 s.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The code-server release whose VS Code runs on Node 20. */
export const codeServerVersion = '4.100.3';

/** Where the installed code-server is cached; `REDZONE_CODE_SERVER_CACHE` overrides it. */
export function codeServerCache(): string {
  return process.env.REDZONE_CODE_SERVER_CACHE ?? join(tmpdir(), `redzone-code-server-${codeServerVersion}`);
}

/** The code-server entry script, installing it first when the cache is empty. */
export function ensureCodeServer(log: (line: string) => void = () => {}): string {
  const root = codeServerCache();
  const entry = join(root, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  // The marker is written last, so an interrupted install is redone rather than trusted.
  if (existsSync(join(root, '.complete'))) return entry;
  const staging = `${root}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const npm = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): void => {
    log(`code-server install: npm ${args.join(' ')} (in ${cwd})`);
    execFileSync('npm', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  };
  writeFileSync(join(staging, 'package.json'), '{"name":"redzone-code-server","private":true}\n');
  npm(staging, ['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${codeServerVersion}`]);
  const codeServer = join(staging, 'node_modules', 'code-server');
  // npm 11 runs no dependency scripts unless the project allows them (it refuses --allow-scripts
  // on the command line there); these rebuilds are the point, so each project's .npmrc allows them by name.
  writeFileSync(join(staging, '.npmrc'), 'allow-scripts=argon2\n');
  npm(staging, ['rebuild', 'argon2']);
  const vscode = join(codeServer, 'lib', 'vscode');
  npm(vscode, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund']);
  const natives = ['kerberos', '@parcel/watcher', '@vscode/deviceid', '@vscode/spdlog', 'native-watchdog', 'node-pty'];
  writeFileSync(join(vscode, '.npmrc'), `allow-scripts=${natives.join(',')}\n`);
  // Without npm_config_yes, node-pty's postinstall stops at a prompt.
  npm(vscode, ['rebuild', ...natives], { npm_config_yes: 'true' });
  const rg = join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rg, { recursive: true });
  copyFileSync('/usr/bin/rg', join(rg, 'rg'));
  chmodSync(join(rg, 'rg'), 0o755);
  link('node_modules', join(vscode, 'node_modules.asar'));
  link('code-linux.sh', join(vscode, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(vscode, 'bin', 'helpers', 'browser.sh'));
  npm(join(vscode, 'extensions'), ['install', '--omit=dev', '--no-audit', '--no-fund']);
  writeFileSync(join(staging, '.complete'), `${codeServerVersion}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(staging, root);
  return entry;
}

function link(target: string, path: string): void {
  if (!existsSync(path)) symlinkSync(target, path);
}

/** A running code-server, started in its own process group so that stopping it stops all of it. */
export interface RunningCodeServer {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): void;
}

/** Everything one code-server run keeps out of `$HOME`. */
export interface CodeServerDirs {
  readonly userData: string;
  readonly extensions: string;
  readonly xdg: string;
}

function codeServerEnv(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(dirs.xdg, 'config'),
    XDG_DATA_HOME: join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: join(dirs.xdg, 'cache'),
  };
}

/** Installs a `.vsix` into the given user-data and extensions folders. */
export function installExtension(entry: string, dirs: CodeServerDirs, vsix: string): string {
  return execFileSync(
    process.execPath,
    [entry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix],
    { env: codeServerEnv(dirs), encoding: 'utf8', timeout: 120_000 },
  );
}

/** Starts code-server on `port` with `folder` open, and resolves once `/healthz` answers. */
export async function startCodeServer(entry: string, dirs: CodeServerDirs, port: number, folder: string, timeoutMs = 60_000, disableTrust = true): Promise<RunningCodeServer> {
  const config = join(dirs.xdg, 'code-server.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    entry,
    '--config', config,
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', ...(disableTrust ? ['--disable-workspace-trust'] : []), '--disable-getting-started-override',
    folder,
  ];
  const child = spawn('setsid', [process.execPath, ...args], { env: codeServerEnv(dirs), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = (): void => {
    // setsid made the child a group leader: its pid is the group id of the file watcher and the extension host too.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return { url, process: child, stop };
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not come up (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
