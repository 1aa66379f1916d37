/**
 * Pure fixes: given the text of a file, the edits that fix red-zone use or tag/suppress it.
 * Nothing here reads files; the language server finds the build files and converts the edits.
 */
import { addFlagToCargoConfig } from './cargo';
import { addFlagToCMake } from './cmake';
import { addFlagToCompileFlags } from './flags';
import { addFlagToMakefile, isKbuildMakefile } from './make';
import { addFlagToMeson } from './meson';
import { addRedZoneFalseToZig } from './zig';
import type { TextEdit } from './edit';

export { applyEdits, type TextEdit } from './edit';
export { commentStyleFor, ignoreLineEdit, magicComment, tagFileEdit, type CommentStyle, type CommentContext } from './comments';
export { assemblyRuleFor, noRedZoneFlag, type MakeRule } from './make';
export { compilerSources, looksCompilerGenerated } from './provenance';
export { addFlagToCompileDatabase, type DatabaseEntryFields } from './compile-database';
export { reserveSize, reserveStackEdits, type ReserveRequest } from './reserve';

/** The build systems whose files the "Add -mno-red-zone" fix can edit. */
export type BuildFileKind = 'make' | 'cmake' | 'meson' | 'compile-flags' | 'cargo' | 'zig';

/** What a build-file fix needs to know besides the build file's text. */
export interface BuildFixContext {
  /** The build file's name or path (`Makefile`, `Kbuild`, `lib.mk`); decides Kbuild style. */
  readonly fileName: string;
  /** The sources the analyzed code came from, relative to the build file's directory, `/`-separated. */
  readonly sources: readonly string[];
}

/** Which kind of build file a file name is, or undefined. `.cargo/config(.toml)` needs its folder in the path. */
export function buildFileKind(path: string): BuildFileKind | undefined {
  const normalized = path.replace(/\\/g, '/');
  const name = normalized.slice(normalized.lastIndexOf('/') + 1);
  if (name === 'Makefile' || name === 'makefile' || name === 'GNUmakefile' || name === 'Kbuild' || name.endsWith('.mk')) return 'make';
  if (name === 'CMakeLists.txt') return 'cmake';
  if (name === 'meson.build') return 'meson';
  if (name === 'compile_flags.txt') return 'compile-flags';
  if (/(^|\/)\.cargo\/config(\.toml)?$/.test(normalized)) return 'cargo';
  if (name === 'build.zig') return 'zig';
  return undefined;
}

/**
 * The minimal edits that make this build file compile without the red zone, or undefined when it
 * already does (so a second application changes nothing) or has no place for the option.
 */
export function addNoRedZone(kind: BuildFileKind, text: string, context: BuildFixContext): readonly TextEdit[] | undefined {
  try {
    switch (kind) {
      case 'make':
        return addFlagToMakefile(text, { kbuild: isKbuildMakefile(context.fileName, text) });
      case 'cmake':
        return addFlagToCMake(text, { sources: context.sources });
      case 'meson':
        return addFlagToMeson(text);
      case 'compile-flags':
        return addFlagToCompileFlags(text);
      case 'cargo':
        return addFlagToCargoConfig(text);
      case 'zig':
        return addRedZoneFalseToZig(text);
    }
  } catch {
    // A fix is an offer, never a reason to fail a request: unexpected input means no offer.
    return undefined;
  }
}

/** How each kind spells the option, for action titles. */
export function flagSpelling(kind: BuildFileKind): string {
  switch (kind) {
    case 'cargo':
      return '-C no-redzone=y';
    case 'zig':
      return '.red_zone = false';
    default:
      return '-mno-red-zone';
  }
}
