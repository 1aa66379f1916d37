/**
 * Objects in the editor: the read-only disassembly documents (`redzone-disasm:/path/foo.o.dis`).
 *
 * The client asks for a listing with `redZone/disassembly`; the server analyzes the object once
 * (capstone, DWARF, build provenance), keeps the result for a few recently opened objects, and
 * answers with the listing. When the client then opens that document, its analysis is the
 * object's own report, whose lines are the listing's lines, so the diagnostics carry the DWARF
 * source lines and what the build records about `-mno-red-zone`. The hover reads the listing text
 * through the text path with the object's kernel verdict and ABI forced, so it draws the same
 * frame as on a `.s` file.
 */
import { statSync } from 'node:fs';
import type { Report } from '../core/index';
import { analyzeObjectPath, archiveMemberPath, type ObjectFileAnalysis } from '../host/objects';
import { disassemblyScheme, disassemblySuffix, memberQuery, queryMember, type DisassemblyParams, type DisassemblyResult } from '../protocol';
import { analysisOptions } from './analysis';
import { pathToUri } from './paths';
import type { Settings } from './settings';

/** How many analyzed objects stay in memory for open disassembly documents. */
const keptObjects = 8;

/** A disassembly document's object and member. */
export interface DisassemblyTarget {
  readonly path: string;
  readonly member: string | undefined;
}

/** The object behind a `redzone-disasm:` URI, or undefined for any other URI. */
export function disassemblyTarget(uri: string): DisassemblyTarget | undefined {
  if (!uri.startsWith(`${disassemblyScheme}:`)) return undefined;
  const rest = uri.slice(disassemblyScheme.length + 1).replace(/^\/\/[^/]*/, '');
  const [rawPath, query = ''] = rest.split('?', 2);
  let path: string;
  let member: string | undefined;
  try {
    path = decodeURIComponent(rawPath);
    member = queryMember(query);
  } catch {
    return undefined;
  }
  if (!path.endsWith(disassemblySuffix)) return undefined;
  return { path: path.slice(0, -disassemblySuffix.length), member };
}

/** The `redzone-disasm:` URI of an object (VS Code spells the same URI when the client builds it). */
export function disassemblyUri(path: string, member?: string): string {
  const encoded = `${path}${disassemblySuffix}`.split('/').map(encodeURIComponent).join('/');
  const query = memberQuery(member);
  return `${disassemblyScheme}:${encoded}${query === '' ? '' : `?${query}`}`;
}

/** One analyzed unit for a disassembly document. */
export interface DisassemblyUnit {
  readonly listing: string;
  readonly report: Report | undefined;
  readonly error: string | undefined;
}

/** Analyzes objects for disassembly documents and keeps the most recent ones. */
export class ObjectStore {
  readonly #kept = new Map<string, { readonly stamp: string; readonly analysis: ObjectFileAnalysis }>();

  /** Answers `redZone/disassembly`. Never throws. */
  async disassembly(params: DisassemblyParams, settings: Settings, folders: readonly string[]): Promise<DisassemblyResult> {
    if (typeof params?.path !== 'string') return { error: 'no object path given' };
    const read = await this.#analyze(params.path, settings, folders);
    if (!read.ok) return { error: read.error };
    const analysis = read.analysis;
    if (analysis.input === 'ar' && params.member === undefined) {
      // glibc ships empty archives (libdl.a, libpthread.a): valid, with nothing to show.
      if (analysis.units.length === 0) return { error: `${params.path} is an archive with no members: there is nothing to disassemble` };
      return { members: analysis.units.map((unit) => archiveMemberPath(unit.path)?.member ?? unit.path) };
    }
    const unit = this.#unit(analysis, params.path, params.member);
    if (unit === undefined) return { error: `${params.path} has no member ${params.member}` };
    return unit.listing !== '' ? { text: unit.listing } : { error: unit.error ?? 'the object has no listing' };
  }

  /** The analyzed unit a disassembly document shows, or undefined when the object cannot be read. */
  async unitFor(target: DisassemblyTarget, settings: Settings, folders: readonly string[]): Promise<DisassemblyUnit | undefined> {
    const read = await this.#analyze(target.path, settings, folders);
    return read.ok ? this.#unit(read.analysis, target.path, target.member) : undefined;
  }

  #unit(analysis: ObjectFileAnalysis, path: string, member: string | undefined): DisassemblyUnit | undefined {
    const unit = member === undefined ? analysis.units[0] : analysis.units.find((candidate) => archiveMemberPath(candidate.path)?.member === member);
    if (unit === undefined) return member === undefined && analysis.error !== undefined ? { listing: '', report: undefined, error: analysis.error } : undefined;
    return { listing: unit.listing ?? '', report: unit.report, error: unit.error ?? (unit.listing === undefined ? `${path}: no listing` : undefined) };
  }

  async #analyze(path: string, settings: Settings, folders: readonly string[]): Promise<{ ok: true; analysis: ObjectFileAnalysis } | { ok: false; error: string }> {
    let stamp: string;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return { ok: false, error: `${path} is not a file` };
      stamp = `${stat.size}:${stat.mtimeMs}:${JSON.stringify(settings)}`;
    } catch (error) {
      return { ok: false, error: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const kept = this.#kept.get(path);
    if (kept !== undefined && kept.stamp === stamp) {
      // Refresh its place in the recency order.
      this.#kept.delete(path);
      this.#kept.set(path, kept);
      return { ok: true, analysis: kept.analysis };
    }
    // An ELF file is read by sections, at most `redzone.maxFileSize` MiB of them; over that, the
    // analysis's error says the sizes and the document shows it.
    const { options } = analysisOptions(pathToUri(path), settings, folders);
    const analysis = await analyzeObjectPath(path, path, { ...options, keepListing: 'always' }, settings.maxFileSize * 1048576);
    this.#kept.set(path, { stamp, analysis });
    while (this.#kept.size > keptObjects) this.#kept.delete(this.#kept.keys().next().value!);
    return { ok: true, analysis };
  }
}
