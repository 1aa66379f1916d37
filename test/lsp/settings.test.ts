/**
 * `parseSettings`: garbage in, defaults plus a clear message out; and package.json
 * `contributes.configuration` declares exactly the settings that settings.ts defines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultSettings, parseSettings, settingsSchema, severityCodes, severityOverrideValues } from '../../server/src/lsp/settings';

test('missing settings are the defaults, silently', () => {
  for (const raw of [undefined, null, {}]) assert.deepEqual(parseSettings(raw), { settings: defaultSettings, problems: [] });
});

test('valid settings are taken as they are', () => {
  const raw = {
    kernelFiles: ['arch/**/*.S'],
    userFiles: ['tools/**'],
    detectKernel: false,
    abi: 'ms',
    severity: { 'red-zone-load': 'off', 'stack-unknown': 'hint' },
    compileCommands: ' build/compile_commands.json ',
    objectGlobs: ['**/*.ko'],
    codeLens: false,
    includePaths: ['include', '/usr/src/linux-headers/include'],
    defines: ['__KERNEL__', 'CONFIG_X86_64=1'],
    showCoverage: true,
    sourceJobs: 4,
    compileOnChange: true,
    maxFileSize: 700,
    trace: { server: 'verbose' },
  };
  const { settings, problems } = parseSettings(raw);
  assert.deepEqual(problems, []);
  assert.deepEqual(settings, { ...raw, compileCommands: 'build/compile_commands.json' });
});

test('a non-object section falls back to the defaults with a message', () => {
  for (const raw of [42, 'kernel', [1, 2], true]) {
    const { settings, problems } = parseSettings(raw);
    assert.deepEqual(settings, defaultSettings);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /must be an object/);
  }
});

test('every invalid value becomes its default, with one message naming the setting', () => {
  const { settings, problems } = parseSettings({
    kernelFiles: 'arch/**',
    userFiles: [1, '', 'ok/**'],
    detectKernel: 'yes',
    abi: 'vax',
    sourceJobs: 0,
    severity: { 'red-zone-store': 'loud', 'no-such-code': 'error' },
    compileCommands: 7,
    objectGlobs: { '*.o': true },
    codeLens: 1,
    includePaths: 'include',
    defines: { X: 1 },
    showCoverage: 'on',
    trace: { server: 'everything' },
  });
  assert.deepEqual(settings, { ...defaultSettings, userFiles: ['ok/**'] });
  const expected = [
    /redzone\.kernelFiles: expected a list of glob patterns, got "arch\/\*\*"/,
    /redzone\.userFiles: ignored 2 entries/,
    /redzone\.detectKernel: expected true or false, got "yes"/,
    /redzone\.abi: expected one of auto, sysv, ms, i386, got "vax"/,
    /redzone\.severity\["red-zone-store"\]: "loud" is not one of error, warning, information, hint, off/,
    /redzone\.severity: "no-such-code" is not a finding code/,
    /redzone\.compileCommands: expected a path, got number 7/,
    /redzone\.objectGlobs: expected a list of glob patterns, got an object/,
    /redzone\.sourceJobs: expected a whole number from 1 to 64, got number 0/,
    /redzone\.codeLens: expected true or false, got number 1/,
    /redzone\.includePaths: expected a list of directories, got "include"/,
    /redzone\.defines: expected a list of NAME or NAME=VALUE, got an object/,
    /redzone\.showCoverage: expected true or false, got "on"/,
    /redzone\.trace\.server: expected one of off, messages, verbose, got "everything"/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  for (const pattern of expected) assert.ok(problems.some((problem) => pattern.test(problem)), `no message matches ${pattern}:\n${problems.join('\n')}`);
});

test('hostile values never throw', () => {
  const hostile = [Object.create(null), { severity: null }, { severity: [] }, { trace: 'verbose' }, { kernelFiles: [null, {}, []] }, { abi: { toString: null } }];
  for (const raw of hostile) assert.doesNotThrow(() => parseSettings(raw));
});

test('package.json contributes.configuration agrees with settings.ts', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { type: string; default: unknown; enum?: string[]; properties?: Record<string, { enum?: string[] }> }> } };
  };
  const properties = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(properties).sort(), settingsSchema.map((spec) => spec.key).sort());
  for (const spec of settingsSchema) {
    const declared = properties[spec.key];
    assert.equal(declared.type, spec.type, `${spec.key} type`);
    assert.deepEqual(declared.default, spec.default, `${spec.key} default`);
    assert.deepEqual(declared.enum, spec.enum, `${spec.key} enum`);
  }
  const severity = properties['redzone.severity'].properties ?? {};
  assert.deepEqual(Object.keys(severity).sort(), [...severityCodes].sort());
  for (const code of severityCodes) assert.deepEqual(severity[code].enum, severityOverrideValues, `redzone.severity.${code} enum`);
});
