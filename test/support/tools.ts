/**
 * Debian tools a test needs: present, or installed with apt-get when the test runs as root (it
 * says so), or the test fails at once with the one command that would install them.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** True when `command` is on PATH. */
export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Makes sure `command` is on PATH, installing Debian `pkg` as root; throws with the install command otherwise. */
export function requireTool(command: string, pkg: string = command): void {
  if (onPath(command)) return;
  const install = `apt-get install -y ${pkg}`;
  if (process.getuid?.() !== 0) throw new Error(`This test needs \`${command}\`; install it with: ${install}`);
  console.log(`installing Debian package ${pkg} for this test: ${install}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env });
  } catch {
    // A fresh machine has no package lists yet.
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env });
  }
  if (!onPath(command)) throw new Error(`\`${install}\` did not provide \`${command}\``);
}
