/**
 * Kernel evidence from the host: the globs (precedence 2) and compile_commands.json (precedence 3).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  findCompileCommands,
  loadCompileCommands,
  matchCompileCommand,
  parseCompileCommands,
  splitCommand,
} from '../../server/src/host/compile-commands';
import { buildKernelVerdict, globKernelVerdict, kernelEvidence, kernelFlagsVerdict } from '../../server/src/host/kernel-evidence';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'redzone-evidence-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('globs', () => {
  const root = '/proj';
  test('a kernelFiles glob makes kernel code and the reason quotes it', () => {
    const verdict = globKernelVerdict('/proj/arch/x86/boot/head.s', { root, kernelFiles: ['arch/**'] });
    assert.equal(verdict?.kernel, true);
    assert.match(verdict!.reason, /`arch\/x86\/boot\/head\.s` matches the redzone\.kernelFiles glob `arch\/\*\*`/);
  });

  test('a userFiles glob makes user code; relative file paths are relative to the root', () => {
    const verdict = globKernelVerdict('tools/gen.s', { root, userFiles: ['tools/*.s'] });
    assert.equal(verdict?.kernel, false);
    assert.match(verdict!.reason, /redzone\.userFiles glob `tools\/\*\.s`/);
  });

  test('a glob without a slash matches the base name anywhere', () => {
    assert.equal(globKernelVerdict('/proj/a/b/entry.S', { root, kernelFiles: ['*.S'] })?.kernel, true);
    assert.equal(globKernelVerdict('/proj/a/b/entry.s', { root, kernelFiles: ['*.S'] }), undefined);
  });

  test('dot-directories match too', () => {
    assert.equal(globKernelVerdict('/proj/.build/x.s', { root, kernelFiles: ['**/*.s'] })?.kernel, true);
  });

  test('no glob matches: no verdict', () => {
    assert.equal(globKernelVerdict('/proj/src/a.s', { root, kernelFiles: ['kernel/**'], userFiles: ['tools/**'] }), undefined);
    assert.equal(globKernelVerdict('/proj/src/a.s', { root }), undefined);
  });

  test('both lists match: kernel wins and the reason names both globs', () => {
    const verdict = globKernelVerdict('/proj/kernel/tools/x.s', {
      root,
      kernelFiles: ['kernel/**'],
      userFiles: ['**/tools/**'],
      settingNames: { kernelFiles: '--kernel-glob', userFiles: '--user-glob' },
    });
    assert.equal(verdict?.kernel, true);
    assert.match(verdict!.reason, /both the --kernel-glob glob `kernel\/\*\*` and the --user-glob glob `\*\*\/tools\/\*\*`/);
  });

  test('files outside the root can be matched by absolute globs', () => {
    assert.equal(globKernelVerdict('/elsewhere/boot.s', { root, kernelFiles: ['/elsewhere/**'] })?.kernel, true);
  });

  test('a malformed glob matches nothing instead of throwing', () => {
    assert.doesNotThrow(() => globKernelVerdict('/proj/a.s', { root, kernelFiles: ['[', '**/{a,'] }));
  });
});

describe('splitting command strings', () => {
  test('quotes, escapes and spaces in paths', () => {
    assert.deepEqual(splitCommand(`gcc -DNAME="a b" -I'/my dir' -I/other\\ dir -c "src/x y.c" -o out.o`), [
      'gcc',
      '-DNAME=a b',
      '-I/my dir',
      '-I/other dir',
      '-c',
      'src/x y.c',
      '-o',
      'out.o',
    ]);
  });

  test('escaped quotes inside a define, and $VARS kept literally', () => {
    assert.deepEqual(splitCommand(`cc -DVERSION=\\"1.0\\" -I$HOME/inc -c a.c`), ['cc', '-DVERSION="1.0"', '-I$HOME/inc', '-c', 'a.c']);
  });

  test('a shell operator ends the compiler command', () => {
    assert.deepEqual(splitCommand('gcc -c a.c && touch stamp'), ['gcc', '-c', 'a.c']);
  });
});

describe('flags', () => {
  const where = 'db builds `a.c`';
  test('-mno-red-zone with a freestanding flag is kernel evidence, quoting the flags', () => {
    for (const flag of ['-ffreestanding', '-nostdlib', '-fno-pic']) {
      const verdict = kernelFlagsVerdict(['gcc', '-O2', '-mno-red-zone', flag, '-c', 'a.c'], where);
      assert.equal(verdict?.kernel, true, flag);
      assert.equal(verdict!.reason, `${where} with \`-mno-red-zone\` and \`${flag}\`.`);
    }
  });

  test('-D__KERNEL__ and -mcmodel=kernel count alone, and the reason says -mno-red-zone is missing', () => {
    const verdict = kernelFlagsVerdict(['gcc', '-D__KERNEL__', '-c', 'a.c'], where);
    assert.equal(verdict?.kernel, true);
    assert.match(verdict!.reason, /`-D__KERNEL__` but without `-mno-red-zone`/);
    assert.equal(kernelFlagsVerdict(['gcc', '-mcmodel=kernel'], where)?.kernel, true);
    assert.equal(kernelFlagsVerdict(['gcc', '-D', '__KERNEL__'], where)?.kernel, true);
    assert.match(kernelFlagsVerdict(['gcc', '-mcmodel=kernel', '-mno-red-zone'], where)!.reason, /`-mcmodel=kernel` and `-mno-red-zone`\.$/);
  });

  test('ordinary, freestanding-only, no-red-zone-only and overridden flags say nothing', () => {
    assert.equal(kernelFlagsVerdict(['gcc', '-O2', '-c', 'a.c'], where), undefined);
    assert.equal(kernelFlagsVerdict(['gcc', '-ffreestanding'], where), undefined);
    assert.equal(kernelFlagsVerdict(['gcc', '-mno-red-zone'], where), undefined);
    assert.equal(kernelFlagsVerdict(['gcc', '-mno-red-zone', '-ffreestanding', '-mred-zone'], where), undefined);
    assert.equal(kernelFlagsVerdict(['gcc', '-mcmodel=kernel', '-mcmodel=small'], where), undefined);
  });
});

describe('compile_commands.json', () => {
  test('matching by file, by output, by stem and by unique stem; relative directories', () => {
    const db = parseCompileCommands(
      JSON.stringify([
        { directory: '/p', file: 'boot/head.S', arguments: ['gcc', '-c', 'boot/head.S'] },
        { directory: '/p/build', file: '../src/gen.c', command: 'gcc -S ../src/gen.c -o asm/gen.s' },
        { directory: '/p', file: 'lib/util.c', output: 'lib/util.o', arguments: ['gcc', '-c', 'lib/util.c'] },
        { directory: 'rel', file: 'only.c', command: 'cc -c only.c' },
      ]),
      '/p/compile_commands.json',
    );
    assert.ok(db.ok);
    const { database } = db as Extract<typeof db, { ok: true }>;
    assert.equal(matchCompileCommand(database, '/p/boot/head.S')?.entry.file, '/p/boot/head.S');
    assert.match(matchCompileCommand(database, '/p/build/asm/gen.s')!.how, /output is this file/);
    assert.equal(matchCompileCommand(database, '/p/src/gen.s')?.entry.file, '/p/src/gen.c');
    assert.equal(matchCompileCommand(database, '/p/lib/util.s')?.entry.file, '/p/lib/util.c');
    // A relative `directory` is resolved against the database's own directory.
    assert.equal(database.entries[3]!.directory, '/p/rel');
    assert.match(matchCompileCommand(database, '/somewhere/else/only.s')!.how, /only source with this file's name/);
    assert.equal(matchCompileCommand(database, '/p/nothing.s'), undefined);
  });

  test('broken JSON, a non-array and bad entries become problems, never exceptions', () => {
    const broken = parseCompileCommands('[{"file": ', '/p/compile_commands.json');
    assert.equal(broken.ok, false);
    assert.match((broken as { problem: string }).problem, /^\/p\/compile_commands\.json is not valid JSON/);
    assert.equal(parseCompileCommands('{"file": "a.c"}', '/p/cc.json').ok, false);
    const partial = parseCompileCommands(JSON.stringify([1, { file: 'a.c' }, { file: 'b.c', command: 'cc -c b.c' }, { file: 'c.c', arguments: [1] }]), '/p/cc.json');
    assert.ok(partial.ok);
    const { database } = partial as Extract<typeof partial, { ok: true }>;
    assert.equal(database.entries.length, 1);
    assert.equal(database.problems.length, 3);
  });

  test('found beside the file, in an ancestor, or in an ancestor build/ directory', () => {
    const root = project({ 'build/compile_commands.json': '[]', 'src/deep/a.s': '' });
    assert.equal(findCompileCommands(join(root, 'src/deep/a.s')), join(root, 'build', 'compile_commands.json'));
    writeFileSync(join(root, 'src', 'compile_commands.json'), '[]');
    assert.equal(findCompileCommands(join(root, 'src/deep/a.s')), join(root, 'src', 'compile_commands.json'));
  });

  test('the parse is cached per path and re-read when the file changes', () => {
    const root = project({ 'compile_commands.json': '[]' });
    const path = join(root, 'compile_commands.json');
    const first = loadCompileCommands(path);
    assert.equal(loadCompileCommands(path), first);
    writeFileSync(path, JSON.stringify([{ directory: root, file: 'a.c', arguments: ['cc'] }]));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const second = loadCompileCommands(path);
    assert.notEqual(second, first);
    assert.ok(second.ok && second.database.entries.length === 1);
  });

  test('a missing database is a problem', () => {
    const result = loadCompileCommands('/nonexistent/compile_commands.json');
    assert.equal(result.ok, false);
    assert.match((result as { problem: string }).problem, /no such file or directory/);
  });
});

describe('build verdict end to end', () => {
  test('the .s beside a .c built with kernel flags is kernel code; the reason names the database and flags', () => {
    const root = project({
      'src/boot.c': '',
      'src/boot.s': '',
      'compile_commands.json': JSON.stringify([
        { directory: '.', file: 'src/boot.c', command: `gcc -O2 -mno-red-zone -ffreestanding -DMSG="\\"hi there\\"" -c src/boot.c -o src/boot.o` },
      ]),
    });
    const evidence = buildKernelVerdict(join(root, 'src/boot.s'), { root });
    assert.equal(evidence.verdict?.kernel, true);
    assert.equal(evidence.compileCommandsPath, join(root, 'compile_commands.json'));
    assert.ok(evidence.verdict!.reason.includes(join(root, 'compile_commands.json')));
    assert.match(evidence.verdict!.reason, /builds `src\/boot\.c` .*with `-mno-red-zone` and `-ffreestanding`\.$/);
  });

  test('an explicit database path is used instead of searching, relative to the root', () => {
    const root = project({
      'out/db.json': JSON.stringify([{ directory: '/k', file: 'entry.c', arguments: ['gcc', '-mcmodel=kernel', '-c', 'entry.c'] }]),
      'entry.s': '',
    });
    const evidence = kernelEvidence('entry.s', { root, compileCommands: 'out/db.json' });
    assert.equal(evidence.buildKernel?.kernel, true);
    assert.equal(evidence.globKernel, undefined);
    assert.deepEqual(evidence.problems, []);
  });

  test('a broken database gives a problem and no verdict; useCompileCommands: false skips it', () => {
    const root = project({ 'compile_commands.json': '[oops', 'a.s': '' });
    const evidence = kernelEvidence(join(root, 'a.s'), { root, kernelFiles: ['*.s'] });
    assert.equal(evidence.buildKernel, undefined);
    assert.equal(evidence.globKernel?.kernel, true);
    assert.equal(evidence.problems.length, 1);
    assert.match(evidence.problems[0]!, /is not valid JSON/);
    assert.deepEqual(kernelEvidence(join(root, 'a.s'), { root, useCompileCommands: false }).problems, []);
  });
});
