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

/** Parameters of `redZone/scanObjects`; the client may pass a `workDoneToken` to receive `$/progress`. */
export interface ScanObjectsParams {
  readonly workDoneToken?: string | number;
}

/** What a scan of the build output found. */
export interface ScanObjectsResult {
  /** Object files analyzed (an archive counts once). */
  readonly objects: number;
  /** Findings in all of them (after severity settings). */
  readonly findings: number;
  /** Findings published on source files of the workspace through DWARF line tables. */
  readonly sourceFindings: number;
  /** Source files that received diagnostics. */
  readonly sourceFiles: number;
  /** Objects with findings, for the summary; `path` is workspace-relative where possible. */
  readonly withFindings: readonly { readonly path: string; readonly findings: number }[];
  /**
   * Objects with findings that could not be shown on a source line, each with the reason (no line
   * table: built without `-g`; or the files its line table names are not in the workspace) and the
   * remedy; `absolute` is the object's path, for opening its disassembly.
   */
  readonly unmapped: readonly { readonly path: string; readonly absolute: string; readonly findings: number; readonly reason: string }[];
  /** Files that could not be analyzed, as "path: why" (at most a few). */
  readonly errors: readonly string[];
  /** True when the user cancelled; what was found until then is published. */
  readonly cancelled: boolean;
  /** True when the walk stopped at its file limit. */
  readonly truncated: boolean;
  /** The globs that selected the files. */
  readonly globs: readonly string[];
}

/**
 * `redZone/scanObjects`: the server analyzes the workspace's objects matched by
 * `redzone.objectGlobs`, reports progress through `window/workDoneProgress` (the request's
 * `workDoneToken`, or a server-created one), stops when the request is cancelled, and publishes the
 * findings on the C source files that DWARF line tables name, when those files are in the workspace.
 */
export const scanObjectsRequest = { method: 'redZone/scanObjects' } as const;

/** The URI scheme of the read-only disassembly documents the client serves. */
export const disassemblyScheme = 'redzone-disasm';

/**
 * The path suffix of disassembly documents: `redzone-disasm:/abs/build/foo.o.dis` (and
 * `?member=bar.o` for an archive member), so editors pick the objdump language by extension.
 */
export const disassemblySuffix = '.dis';

/** The query of a disassembly URI that names archive member `member` (`member=bar.o`), or '' for a plain object. */
export function memberQuery(member: string | undefined): string {
  return member === undefined ? '' : `member=${encodeURIComponent(member)}`;
}

/** The archive member a disassembly URI's query names, or undefined; throws a URIError on a malformed escape. */
export function queryMember(query: string): string | undefined {
  const found = /(?:^|&)member=([^&]*)/.exec(query);
  return found ? decodeURIComponent(found[1]!) : undefined;
}

/** Parameters of `redZone/disassembly`. */
export interface DisassemblyParams {
  /** Absolute path of the object file. */
  readonly path: string;
  /** The archive member to show; omitted for a plain object. */
  readonly member?: string;
}

/** The answer of `redZone/disassembly`. */
export interface DisassemblyResult {
  /** The listing the findings refer to (`redzone-lint disasm FILE`). */
  readonly text?: string;
  /** For an archive asked without a member: its members, to pick one. */
  readonly members?: readonly string[];
  /** Why there is no listing, as a sentence. */
  readonly error?: string;
}

/**
 * `redZone/disassembly`: the listing of an object (or one archive member), which the client
 * serves as a read-only `redzone-disasm:` document; the server then publishes the object's
 * findings on that document and answers hovers on it.
 */
export const disassemblyRequest = { method: 'redZone/disassembly' } as const;

/** Arguments of the `redzone.server.buildFileChanged` command. */
export interface BuildFileChangedArgs {
  /** Absolute path of the build file the quick fix edited. */
  readonly buildFile: string;
  /** The build file as the fix's title names it (workspace-relative where possible). */
  readonly shown: string;
  /** The flag as this build file spells it (`-mno-red-zone`, `-C no-redzone=y`). */
  readonly flag: string;
  /** 1-based line of the build file that now carries the flag, and that line's text. */
  readonly line: number;
  readonly lineText: string;
  /** Absolute path of the file whose findings the fix addressed (`irq.s`). */
  readonly output: string;
  /**
   * For a Makefile whose rule makes `output`: whether that rule lists the Makefile among its
   * prerequisites (then `make` rebuilds it; otherwise it says "Nothing to be done"). Absent when
   * no rule in the build file makes `output`.
   */
  readonly outputDependsOnBuildFile?: boolean;
}

/**
 * `redzone.server.buildFileChanged` (a `workspace/executeCommand` command, run by the client after
 * it applies an "Add -mno-red-zone to ..." edit): the server says what changed and that the
 * outputs must be rebuilt, through `window/showMessageRequest`, and opens the build file through
 * `window/showDocument` when the user asks.
 */
export const buildFileChangedCommand = 'redzone.server.buildFileChanged';

/**
 * What a client may pass in `initialize`'s `initializationOptions`. `workspaceTrusted` says whether
 * the user trusts the workspace: only then does the server run the compilers that
 * `compile_commands.json` names to check C, C++ and Rust sources. A client that does not say is
 * treated as untrusted (other editors pass `true` to opt in).
 */
export interface InitializationOptions {
  /** The `redzone` settings section, for clients that do not answer `workspace/configuration`. */
  readonly settings?: unknown;
  readonly workspaceTrusted?: boolean;
}

/** Parameters of `redZone/workspaceTrust`. */
export interface WorkspaceTrustParams {
  readonly trusted: boolean;
}

/**
 * `redZone/workspaceTrust`: the client tells the server that the workspace's trust changed (VS Code
 * grants trust while running); once trusted, the open C, C++ and Rust sources are compiled and checked.
 */
export const workspaceTrustNotification = { method: 'redZone/workspaceTrust' } as const;
