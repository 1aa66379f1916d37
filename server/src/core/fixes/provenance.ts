/**
 * Whether an assembly text came out of a compiler, and from which sources.
 * A build-file fix only helps compiler output: hand-written assembly needs its own space reserved.
 */

const scanLimit = 200_000;

/** True for `gcc -S`/`clang -S`/`rustc --emit asm` output and objdump listings. */
export function looksCompilerGenerated(text: string): boolean {
  const head = text.slice(0, scanLimit);
  return (
    /^\s*\.ident\s+"/m.test(head) ||
    /^\s*\.file\s+(\d+\s+)?"[^"]+\.(c|cc|cpp|cxx|c\+\+|rs|zig|m|mm|f90|f)"/m.test(head) ||
    /^\s*\.loc\s+\d+\s+\d+/m.test(head) ||
    /file format (elf|pe|mach)/.test(head) ||
    /^\s*\.LFB\d+:/m.test(head)
  );
}

/** The source files named by `.file` directives (`.file "a.c"`, `.file 1 "dir" "a.c"`), in order, without duplicates. */
export function compilerSources(text: string): string[] {
  const found: string[] = [];
  for (const match of text.slice(0, scanLimit).matchAll(/^\s*\.file\s+(?:\d+\s+)?"([^"]*)"(?:\s+"([^"]*)")?/gm)) {
    const path = match[2] !== undefined ? joinPath(match[1], match[2]) : match[1];
    if (path !== '' && !found.includes(path)) found.push(path);
  }
  return found;
}

function joinPath(directory: string, file: string): string {
  if (file.startsWith('/') || directory === '') return file;
  return `${directory.replace(/\/+$/, '')}/${file}`;
}
