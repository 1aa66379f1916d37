/**
 * The custom messages between the redzone-lint language server and its clients.
 *
 * This is the only file of the server tree that the VS Code extension imports, so it holds plain
 * method names and parameter shapes and imports nothing: the server sends them with
 * vscode-languageserver and the client receives them with vscode-languageclient, and both spell
 * the method through the constants below so the two sides cannot drift apart.
 */

/** Why a document counts as kernel or user code, and how its last analysis went. */
export interface StatusParams {
  /** The document the status describes. */
  readonly uri: string;
  /** The document version the analysis ran on. */
  readonly version: number;
  /** `kernel` when red-zone use is reported, `user` when only ABI violations are, `skipped` when the file was not analyzed. */
  readonly state: 'kernel' | 'user' | 'skipped';
  /** A full sentence explaining the state, e.g. "line 1 has the magic comment `redzone: kernel`". */
  readonly reason: string;
  /** The input kind the analysis read, e.g. `att`, `intel`, `nasm`, `objdump-att`. */
  readonly input: string;
  /** How many functions were analyzed. */
  readonly functions: number;
  /** How many findings were published (after severity overrides). */
  readonly findings: number;
}

/**
 * `redZone/status`: the server tells the client, after every analysis of a document, whether the
 * document counts as kernel code and why, so the client can show it (the extension's status bar).
 */
export const statusNotification = { method: 'redZone/status' } as const;

/** Which way `redZone/tagFile` should tag a document. */
export type FileTag = 'kernel' | 'user';

/** Arguments of the `redzone.server.tagFile` command. */
export interface TagFileArgs {
  readonly uri: string;
  readonly tag: FileTag;
}

/**
 * `redzone.server.tagFile` (a `workspace/executeCommand` command): the server inserts or rewrites
 * the `redzone: kernel` / `redzone: user` magic comment at the top of the document, in the
 * document's comment syntax, through `workspace/applyEdit`.
 */
export const tagFileCommand = 'redzone.server.tagFile';

/** Parameters of `redZone/frameLayout`. */
export interface FrameLayoutParams {
  readonly uri: string;
  /** 0-based line of the instruction. */
  readonly line: number;
}

/** The answer of `redZone/frameLayout`: the frame as Markdown (the hover's table), or null outside an analyzed function. */
export interface FrameLayoutResult {
  readonly markdown: string;
}

/**
 * `redZone/frameLayout`: the client asks for the stack frame at one line of a document, as the
 * Markdown table the hover shows; used by the extension's "Show Stack Frame" command.
 */
export const frameLayoutRequest = { method: 'redZone/frameLayout' } as const;
