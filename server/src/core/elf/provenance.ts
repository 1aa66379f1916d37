/**
 * How an object was built, from what the toolchain recorded in it: the `.GCC.command.line` section
 * (`-frecord-gcc-switches`), `DW_AT_producer` of each compile unit (GCC records code-generation
 * options there by default with `-g`), and the `.modinfo` section and `__this_module` symbol that
 * every Linux kernel module carries. All of it is advisory: absent evidence gives "unknown", never
 * a guess.
 */
import type { KernelVerdict } from '../report';
import type { CompileUnitInfo } from './dwarf-info';
import { findSection, type ElfFile } from './elf';

/** What the object says about its build. */
export interface ObjectProvenance {
  /** True: `-mno-red-zone` was given; false: the recorded options lack it; undefined: nothing recorded. */
  readonly noRedZone: boolean | undefined;
  /** A full sentence saying where `noRedZone` comes from. */
  readonly noRedZoneReason: string;
  readonly kernelModule: boolean;
  /** A full sentence when `kernelModule` is true. */
  readonly kernelModuleReason: string | undefined;
  /** The strings of `.GCC.command.line`, if present. */
  readonly commandLine: readonly string[];
  /** `DW_AT_producer` of each compile unit that has one. */
  readonly producers: readonly string[];
  /**
   * The build's verdict for `AnalysisOptions.buildKernel`: kernel when the object is a kernel module
   * or was built with kernel-only options (`-mno-red-zone`, `-mcmodel=kernel`, `-D__KERNEL__`);
   * undefined otherwise, so that content evidence still decides.
   */
  readonly buildKernel: KernelVerdict | undefined;
}

/** Options that only kernel, firmware or boot code is built with. */
const KERNEL_OPTIONS = ['-mcmodel=kernel', '-D__KERNEL__'];

/** Decides the provenance of `elf`; `units` are its compile units (from `readCompileUnits`). */
export function objectProvenance(elf: ElfFile, units: readonly CompileUnitInfo[] = []): ObjectProvenance {
  const commandLine = splitStrings(findSection(elf, '.GCC.command.line')?.data);
  const producers = units.map((u) => u.producer).filter((p): p is string => p !== undefined && p !== '');

  // Each recorded option list is one source of evidence; the last red-zone option in it wins.
  const sources: { name: string; options: string[] }[] = [];
  if (commandLine.length > 0) sources.push({ name: 'the .GCC.command.line section', options: commandLine.flatMap(words) });
  for (const p of new Set(producers)) {
    const options = words(p).filter((w) => w.startsWith('-'));
    // Clang's producer is only a version string; without options it is no evidence either way.
    if (options.length > 0) sources.push({ name: 'DW_AT_producer', options });
  }
  let noRedZone: boolean | undefined;
  let noRedZoneReason: string;
  if (sources.length === 0) {
    noRedZoneReason = 'the object records no compiler options (no .GCC.command.line and no DW_AT_producer with options), so whether -mno-red-zone was given is unknown';
  } else {
    const verdicts = sources.map((s) => ({ ...s, off: lastRedZoneOption(s.options) === '-mno-red-zone' }));
    const without = verdicts.find((v) => !v.off);
    noRedZone = without === undefined;
    noRedZoneReason = noRedZone
      ? `${unique(verdicts.map((v) => v.name)).join(' and ')} ${verdicts.length === 1 ? 'records' : 'record'} -mno-red-zone`
      : `${without!.name} records the compiler options without -mno-red-zone`;
  }

  const modinfo = findSection(elf, '.modinfo') !== undefined;
  const thisModule = elf.symbols.some((s) => s.name === '__this_module') || findSection(elf, '.gnu.linkonce.this_module') !== undefined;
  const kernelModule = modinfo || thisModule;
  const kernelModuleReason = modinfo && thisModule
    ? 'the .modinfo section and __this_module mark a Linux kernel module'
    : modinfo
      ? 'the .modinfo section marks a Linux kernel module'
      : thisModule
        ? 'the __this_module symbol marks a Linux kernel module'
        : undefined;

  let buildKernel: KernelVerdict | undefined;
  const allOptions = sources.flatMap((s) => s.options);
  const kernelOption = KERNEL_OPTIONS.find((o) => allOptions.includes(o));
  if (kernelModuleReason) buildKernel = { kernel: true, reason: kernelModuleReason };
  else if (noRedZone) buildKernel = { kernel: true, reason: `${noRedZoneReason}, an option only kernel and firmware code needs` };
  else if (kernelOption) buildKernel = { kernel: true, reason: `${sources.find((s) => s.options.includes(kernelOption))!.name} records ${kernelOption}` };
  return { noRedZone, noRedZoneReason, kernelModule, kernelModuleReason, commandLine, producers, buildKernel };
}

function lastRedZoneOption(options: readonly string[]): string | undefined {
  for (let i = options.length - 1; i >= 0; i--) if (options[i] === '-mno-red-zone' || options[i] === '-mred-zone') return options[i];
  return undefined;
}

/** NUL-separated strings (older GCCs write one option per string, GCC 12 one line). */
function splitStrings(data: Uint8Array | undefined): string[] {
  if (!data) return [];
  let text = '';
  for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192));
  return text.split('\0').filter((s) => s.trim() !== '');
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
