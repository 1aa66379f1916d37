/**
 * Adds `-mno-red-zone` to entries of a `compile_commands.json`.
 *
 * The database is generated (Bear, CMake, Meson), so the real fix is always the build file; this
 * edit makes the database say what the fixed build file will make the next build write, so tools
 * that compile from the database (the editor's check on save, clangd) see the fix at once.
 */
import type { TextEdit } from './edit';
import { noRedZoneFlag } from './make';

/** What the caller decides an entry by: its `file` and `directory` fields as written. */
export interface DatabaseEntryFields {
  readonly file: string;
  readonly directory: string | undefined;
}

/**
 * One edit replacing the whole text, with the flag appended to the `arguments` (or `command`) of
 * every selected entry that lacks it; undefined when no selected entry lacks it, or the text is
 * not a database. Later flags win, so the flag goes last.
 */
export function addFlagToCompileDatabase(text: string, select: (entry: DatabaseEntryFields) => boolean): TextEdit | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(json)) return undefined;
  let changed = false;
  for (const raw of json as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const entry = raw as Record<string, unknown>;
    if (typeof entry.file !== 'string') continue;
    if (!select({ file: entry.file, directory: typeof entry.directory === 'string' ? entry.directory : undefined })) continue;
    if (Array.isArray(entry.arguments)) {
      if (entry.arguments.includes(noRedZoneFlag)) continue;
      entry.arguments = [...(entry.arguments as unknown[]), noRedZoneFlag];
      changed = true;
    } else if (typeof entry.command === 'string') {
      if (entry.command.split(/\s+/).includes(noRedZoneFlag)) continue;
      entry.command = `${entry.command} ${noRedZoneFlag}`;
      changed = true;
    }
  }
  if (!changed) return undefined;
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  return { start: 0, end: text.length, newText: JSON.stringify(json, null, 2).replace(/\n/g, newline) + newline };
}
