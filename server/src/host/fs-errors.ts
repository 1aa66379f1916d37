/**
 * Short, human messages for file-system errors, so that users see "no such file" instead of a
 * Node error object or a stack trace.
 */

const messages: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
};

/** Describes an error thrown by `node:fs` (or anything else) in a few words, without the path. */
export function describeFsError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) return messages[code] ?? `${code}: ${error.message}`;
    return error.message;
  }
  return String(error);
}
