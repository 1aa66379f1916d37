/**
 * Real objects through the built CLI (about 30 s on 2 cores; the first run downloads 70 MB):
 * - 310 Linux kernel modules from Debian 12's linux-image-*-amd64-unsigned package, built by
 *   Kbuild with -mno-red-zone, must give no red-zone finding at all, and count as kernel code by
 *   their own provenance (.modinfo, __this_module) without --kernel;
 * - libc.a from libc6-dev, user code built with the red zone, gives red-zone findings with
 *   --kernel; two of them were checked by hand against `objdump -d` and are asserted exactly.
 * The numbers (functions, stack-unknown) are printed for the record.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { LIBC_A, kernelModules } from '../fixtures/objects/real-objects.mjs';
import { parseJson, root, runCli } from './run-cli';

const FLAG_CODES = new Set(['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered']);

interface JsonFinding {
  path: string;
  line: number;
  function: string;
  code: string;
  offset?: number;
}

test('310 Debian kernel modules: zero red-zone findings, all kernel code by provenance', { timeout: 10 * 60_000 }, () => {
  const modules = kernelModules({ root, log: (line) => console.log(line) });
  const result = runCli(['check', '--format', 'json', ...modules], root);
  assert.ok(result.status === 0, `exit ${result.status}: ${result.stderr.slice(0, 2000)}`);
  const doc = parseJson(result);
  assert.equal(doc.files.length, modules.length);
  for (const file of doc.files) {
    assert.equal(file.error, undefined, `${file.path}: ${file.error}`);
    assert.equal(file.input, 'elf64');
    assert.equal(file.kernel, true, file.path);
  }
  const findings = doc.findings as JsonFinding[];
  const redZone = findings.filter((f) => FLAG_CODES.has(f.code));
  assert.deepEqual(redZone.slice(0, 10), [], `${redZone.length} red-zone findings in -mno-red-zone modules`);
  const functions = doc.files.reduce((sum: number, f: { functions: number }) => sum + f.functions, 0);
  const unknown = new Set(findings.filter((f) => f.code === 'stack-unknown').map((f) => `${f.path}:${f.function}`));
  console.log(`kernel modules: ${modules.length} modules, ${functions} functions, ${redZone.length} red-zone findings, ${unknown.size} functions stack-unknown`);
});

test('libc.a members: red-zone findings with --kernel, matching a hand check against objdump -d', { skip: !existsSync(LIBC_A) && 'libc6-dev is not installed' }, () => {
  const result = runCli(['check', '--kernel', '--format', 'json', LIBC_A], root);
  assert.equal(result.status, 1, result.stderr.slice(0, 2000));
  const doc = parseJson(result);
  assert.ok(doc.files.length > 1000, 'one entry per member');
  assert.ok(doc.files.every((f: { path: string; error?: string }) => f.path.startsWith(`${LIBC_A}(`) && f.error === undefined));
  const findings = (doc.findings as JsonFinding[]).filter((f) => FLAG_CODES.has(f.code));
  const flagged = new Set(findings.map((f) => `${f.path.slice(LIBC_A.length)} ${f.function}`));
  console.log(`libc.a: ${doc.files.length} members, ${flagged.size} functions with red-zone findings: ${[...flagged].join(', ')}`);
  // Checked by hand with objdump -d: `mov %rdi,-0x10(%rsp); fildll -0x10(%rsp)` in a leaf, and
  // `mov %rdi,-0x8(%rsp); ...; lock cmpxchg %rdx,-0x8(%rsp)` in pthread_join's cleanup handler.
  const has = (member: string, fn: string, code: string, offset: number) =>
    findings.some((f) => f.path === `${LIBC_A}(${member})` && f.function === fn && f.code === code && f.offset === offset);
  assert.ok(has('difftime.o', '__difftime', 'red-zone-store', -16));
  assert.ok(has('difftime.o', '__difftime', 'red-zone-load', -16));
  assert.ok(has('pthread_join_common.o', 'cleanup', 'red-zone-store', -8));
  // As user code (no --kernel), the same data below %rsp is allowed by the ABI: no store or load findings.
  const user = parseJson(runCli(['check', '--format', 'json', LIBC_A], root));
  assert.deepEqual((user.findings as JsonFinding[]).filter((f) => f.code === 'red-zone-store' || f.code === 'red-zone-load'), []);
});
