/**
 * The "Add -mno-red-zone to <build file>" edits, data-driven: each case is a build file before and
 * after the fix. Every case is also applied twice: the second application must offer nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNoRedZone, applyEdits, assemblyRuleFor, buildFileKind, type BuildFileKind } from '../../server/src/core/fixes/index';

interface Case {
  readonly name: string;
  readonly kind: BuildFileKind;
  readonly fileName?: string;
  readonly sources?: readonly string[];
  readonly input: string;
  /** The fixed text; undefined when no edit is expected. */
  readonly output: string | undefined;
}

const cases: Case[] = [
  {
    name: 'Makefile: append to CFLAGS',
    kind: 'make',
    input: 'CC = gcc\nCFLAGS = -O2 -Wall\n\nall: a.o\n',
    output: 'CC = gcc\nCFLAGS = -O2 -Wall -mno-red-zone\n\nall: a.o\n',
  },
  {
    name: 'Makefile: keep a trailing comment after the flags',
    kind: 'make',
    input: 'CFLAGS := -O2   # optimize\n',
    output: 'CFLAGS := -O2 -mno-red-zone   # optimize\n',
  },
  {
    name: 'Makefile: append to the last continuation line',
    kind: 'make',
    input: 'CFLAGS = -O2 \\\n\t-ffreestanding \\\n\t-nostdlib\nall:\n\t$(CC) $(CFLAGS) -c a.c\n',
    output: 'CFLAGS = -O2 \\\n\t-ffreestanding \\\n\t-nostdlib -mno-red-zone\nall:\n\t$(CC) $(CFLAGS) -c a.c\n',
  },
  {
    name: 'Makefile: a ?= assignment gets a += line so environment CFLAGS keep the flag',
    kind: 'make',
    input: 'CFLAGS ?= -O2\nall:\n',
    output: 'CFLAGS ?= -O2\nCFLAGS += -mno-red-zone\nall:\n',
  },
  {
    name: 'Makefile: an empty assignment',
    kind: 'make',
    input: 'export CFLAGS =\n',
    output: 'export CFLAGS = -mno-red-zone\n',
  },
  {
    name: 'Makefile: no flags variable, insert before the first rule and its comment',
    kind: 'make',
    input: 'CC := gcc\n\n# Build everything.\nall: kernel.elf\n\t$(CC) -o $@ $^\n',
    output: 'CC := gcc\n\nCFLAGS += -mno-red-zone\n# Build everything.\nall: kernel.elf\n\t$(CC) -o $@ $^\n',
  },
  {
    name: 'Makefile: recipe lines are not assignments',
    kind: 'make',
    input: 'all:\n\tCFLAGS=-O2 make -C sub\n',
    output: 'CFLAGS += -mno-red-zone\nall:\n\tCFLAGS=-O2 make -C sub\n',
  },
  {
    name: 'Makefile: CRLF line endings are kept',
    kind: 'make',
    input: 'CFLAGS = -O2\r\nall:\r\n',
    output: 'CFLAGS = -O2 -mno-red-zone\r\nall:\r\n',
  },
  {
    name: 'Makefile: already there (even in KCFLAGS)',
    kind: 'make',
    input: 'KCFLAGS += -mno-red-zone\n',
    output: undefined,
  },
  {
    name: 'Makefile: the flag in a comment does not count',
    kind: 'make',
    input: '# we should add -mno-red-zone\nCFLAGS = -O2\n',
    output: '# we should add -mno-red-zone\nCFLAGS = -O2 -mno-red-zone\n',
  },
  {
    name: 'Kbuild: ccflags-y',
    kind: 'make',
    fileName: 'Kbuild',
    input: 'obj-m += hello.o\nccflags-y := -DDEBUG\n',
    output: 'obj-m += hello.o\nccflags-y := -DDEBUG -mno-red-zone\n',
  },
  {
    name: 'Kbuild makefile without ccflags-y gets one',
    kind: 'make',
    fileName: 'Makefile',
    input: 'obj-m += hello.o\n',
    output: 'obj-m += hello.o\nccflags-y += -mno-red-zone\n',
  },
  {
    name: '*.mk without a trailing newline',
    kind: 'make',
    fileName: 'config.mk',
    input: 'CFLAGS += -g',
    output: 'CFLAGS += -g -mno-red-zone',
  },
  {
    name: 'CMake: the target that lists the source',
    kind: 'cmake',
    sources: ['src/kernel.c'],
    input: 'cmake_minimum_required(VERSION 3.16)\nproject(os C ASM)\nadd_executable(tool tool.c)\nadd_executable(kernel\n    src/boot.S\n    src/kernel.c)\n',
    output:
      'cmake_minimum_required(VERSION 3.16)\nproject(os C ASM)\nadd_executable(tool tool.c)\nadd_executable(kernel\n    src/boot.S\n    src/kernel.c)\ntarget_compile_options(kernel PRIVATE -mno-red-zone)\n',
  },
  {
    name: 'CMake: source given with ${CMAKE_CURRENT_SOURCE_DIR} in target_sources',
    kind: 'cmake',
    sources: ['kernel.c'],
    input: 'project(os C)\nadd_library(core STATIC)\ntarget_sources(core PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/kernel.c)\n',
    output: 'project(os C)\nadd_library(core STATIC)\ntarget_compile_options(core PRIVATE -mno-red-zone)\ntarget_sources(core PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/kernel.c)\n',
  },
  {
    name: 'CMake: no target lists it, add_compile_options after project()',
    kind: 'cmake',
    sources: ['elsewhere.c'],
    input: 'project(\n  os\n  LANGUAGES C)\n# targets\nadd_executable(kernel main.c)\n',
    output: 'project(\n  os\n  LANGUAGES C)\nadd_compile_options(-mno-red-zone)\n# targets\nadd_executable(kernel main.c)\n',
  },
  {
    name: 'CMake: already there',
    kind: 'cmake',
    sources: ['main.c'],
    input: 'project(os C)\nadd_executable(kernel main.c)\ntarget_compile_options(kernel PRIVATE "-mno-red-zone")\n',
    output: undefined,
  },
  {
    name: 'meson: after project(), C only',
    kind: 'meson',
    input: "project('os', 'c',\n  version: '1.0')\nexecutable('kernel', 'main.c')\n",
    output: "project('os', 'c',\n  version: '1.0')\nadd_project_arguments('-mno-red-zone', language: ['c'])\nexecutable('kernel', 'main.c')\n",
  },
  {
    name: 'meson: C and C++',
    kind: 'meson',
    input: "project('os', ['c', 'cpp'])\n",
    output: "project('os', ['c', 'cpp'])\nadd_project_arguments('-mno-red-zone', language: ['c', 'cpp'])\n",
  },
  {
    name: 'meson: already there',
    kind: 'meson',
    input: "project('os', 'c')\nadd_project_arguments(['-mno-red-zone'], language: 'c')\n",
    output: undefined,
  },
  {
    name: 'compile_flags.txt: one flag a line',
    kind: 'compile-flags',
    input: '-ffreestanding\n-nostdlib',
    output: '-ffreestanding\n-nostdlib\n-mno-red-zone\n',
  },
  {
    name: 'compile_flags.txt: already there',
    kind: 'compile-flags',
    input: '-mno-red-zone\n',
    output: undefined,
  },
  {
    name: 'cargo: append to [build] rustflags on one line',
    kind: 'cargo',
    input: '[build]\ntarget = "x86_64-unknown-none"\nrustflags = ["-C", "code-model=kernel"]\n',
    output: '[build]\ntarget = "x86_64-unknown-none"\nrustflags = ["-C", "code-model=kernel", "-C", "no-redzone=y"]\n',
  },
  {
    name: 'cargo: multi-line target rustflags keep their layout',
    kind: 'cargo',
    input: "[target.x86_64-unknown-none]\nrustflags = [\n    '-C', 'link-arg=-Tlinker.ld',\n]\n",
    output: "[target.x86_64-unknown-none]\nrustflags = [\n    '-C', 'link-arg=-Tlinker.ld',\n    \"-C\", \"no-redzone=y\",\n]\n",
  },
  {
    name: 'cargo: a string value',
    kind: 'cargo',
    input: '[build]\nrustflags = "-C opt-level=2"\n',
    output: '[build]\nrustflags = "-C opt-level=2 -C no-redzone=y"\n',
  },
  {
    name: 'cargo: [build] without rustflags',
    kind: 'cargo',
    input: '[build]\ntarget = "x86_64-unknown-none"\n',
    output: '[build]\nrustflags = ["-C", "no-redzone=y"]\ntarget = "x86_64-unknown-none"\n',
  },
  {
    name: 'cargo: no [build] table',
    kind: 'cargo',
    input: '[unstable]\nbuild-std = ["core"]\n',
    output: '[unstable]\nbuild-std = ["core"]\n\n[build]\nrustflags = ["-C", "no-redzone=y"]\n',
  },
  {
    name: 'cargo: already there',
    kind: 'cargo',
    input: '[build]\nrustflags = ["-Cno-redzone=y"]\n',
    output: undefined,
  },
  {
    name: 'zig: createModule options get .red_zone = false',
    kind: 'zig',
    input:
      'const std = @import("std");\npub fn build(b: *std.Build) void {\n    const mod = b.createModule(.{\n        .root_source_file = b.path("src/main.zig"),\n        .target = target,\n    });\n    _ = mod;\n}\n',
    output:
      'const std = @import("std");\npub fn build(b: *std.Build) void {\n    const mod = b.createModule(.{\n        .red_zone = false,\n        .root_source_file = b.path("src/main.zig"),\n        .target = target,\n    });\n    _ = mod;\n}\n',
  },
  {
    name: 'zig: an addExecutable statement gets root_module.red_zone',
    kind: 'zig',
    input: 'pub fn build(b: *std.Build) void {\n    const exe = b.addExecutable(.{\n        .name = "kernel",\n    });\n    b.installArtifact(exe);\n}\n',
    output:
      'pub fn build(b: *std.Build) void {\n    const exe = b.addExecutable(.{\n        .name = "kernel",\n    });\n    exe.root_module.red_zone = false;\n    b.installArtifact(exe);\n}\n',
  },
  {
    name: 'zig: already there',
    kind: 'zig',
    input: 'const m = b.createModule(.{ .red_zone = false });\n',
    output: undefined,
  },
];

for (const testCase of cases) {
  test(testCase.name, () => {
    const context = { fileName: testCase.fileName ?? 'Makefile', sources: testCase.sources ?? [] };
    const edits = addNoRedZone(testCase.kind, testCase.input, context);
    if (testCase.output === undefined) {
      assert.equal(edits, undefined);
      return;
    }
    assert.ok(edits !== undefined, 'expected an edit');
    const fixed = applyEdits(testCase.input, edits);
    assert.equal(fixed, testCase.output);
    assert.equal(addNoRedZone(testCase.kind, fixed, context), undefined, 'a second application must change nothing');
  });
}

test('build file kinds are recognized by name', () => {
  assert.deepEqual(
    ['Makefile', 'GNUmakefile', 'Kbuild', 'rules.mk', 'CMakeLists.txt', 'meson.build', 'compile_flags.txt', '/p/.cargo/config.toml', '.cargo/config', 'build.zig', 'config.toml', 'main.c'].map(buildFileKind),
    ['make', 'make', 'make', 'make', 'cmake', 'meson', 'compile-flags', 'cargo', 'cargo', 'zig', undefined, undefined],
  );
});

test('garbage build files never throw', () => {
  const garbage = ['', '((((', ')))', '"unterminated', '[build\nrustflags = [', 'project(', '\\\n\\', '\u0000\u0001'];
  for (const kind of ['make', 'cmake', 'meson', 'compile-flags', 'cargo', 'zig'] as const) {
    for (const text of garbage) assert.doesNotThrow(() => addNoRedZone(kind, text, { fileName: 'Makefile', sources: [] }));
  }
});

test('a Makefile rule that compiles the file with -S is found, itself, through a variable, or as a pattern', () => {
  const explicit = 'CC ?= gcc\nCFLAGS = -O0\n\nkernel.s: kernel.c\n\t$(CC) $(CFLAGS) -S -o $@ $<\n';
  assert.deepEqual(assemblyRuleFor(explicit, 'kernel.s'), { target: 'kernel.s', prerequisites: ['kernel.c'] });
  assert.equal(assemblyRuleFor(explicit, 'other.s'), undefined);
  const viaVariable = 'CFLAGS = -O0 -S\n\nleaf.s: leaf.c Makefile\n\t$(CC) $(CFLAGS) -o $@ leaf.c\n';
  assert.deepEqual(assemblyRuleFor(viaVariable, 'leaf.s'), { target: 'leaf.s', prerequisites: ['leaf.c', 'Makefile'] });
  const pattern = 'build/%.s: src/%.c\n\t$(CC) -S $< -o $@\n';
  assert.deepEqual(assemblyRuleFor(pattern, 'build/irq.s'), { target: 'build/irq.s', prerequisites: ['src/irq.c'] });
  // Assembling or linking is not making the file: a rule that only reads it says nothing.
  assert.equal(assemblyRuleFor('kernel.o: kernel.s\n\t$(AS) -o $@ $<\n', 'kernel.s'), undefined);
  assert.equal(assemblyRuleFor('kernel.s: kernel.c\n\t$(CC) -c -o kernel.o kernel.c\n', 'kernel.s'), undefined);
  assert.equal(assemblyRuleFor('CFLAGS := -S\n', 'kernel.s'), undefined);
});
