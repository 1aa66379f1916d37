/**
 * Finds mnemonic strings compared in TypeScript sources: the check behind the rule that one table
 * (`server/src/core/x86/opcodes.ts`) owns what the code knows about each x86 instruction, and
 * everything else asks it by opcode id.
 *
 * A string literal that is a known mnemonic counts as compared when it meets a value of type
 * `string` (not a union of literals such as a `Flow` kind `'call'`): in `===`/`!==`, as a `case`
 * of a `switch` on a string, as the argument of a method that takes a `string` (`startsWith`,
 * `Set<string>.has`, `includes`), or as one of two or more such literals in an array of strings
 * (a `new Set([...])` of mnemonics). A regular expression whose alternatives include two or more
 * whole mnemonics (`/^(stos|lods)$/`) counts too. The type checker tells `string` from literal types, so a
 * comparison of a finding code or flow kind that happens to be spelled like a mnemonic is not one.
 */
import ts from 'typescript';

/** One mnemonic comparison: the file, its 1-based line, and the literal. */
export interface MnemonicComparison {
  readonly file: string;
  readonly line: number;
  readonly literal: string;
}

/** `string`, or `string` with `null` or `undefined` (`string | undefined` from an array lookup, say). */
function isStringType(type: ts.Type): boolean {
  if ((type.flags & ts.TypeFlags.String) !== 0) return true;
  if (!type.isUnion()) return false;
  let string = false;
  for (const part of type.types) {
    if ((part.flags & ts.TypeFlags.String) !== 0) string = true;
    else if ((part.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)) === 0) return false;
  }
  return string;
}

const stringMethods = new Set(['startsWith', 'endsWith', 'includes', 'has', 'get', 'indexOf']);

/** Every mnemonic comparison in `files`, typed against each other (imports between them resolve). */
export function findMnemonicComparisons(files: readonly string[], mnemonics: ReadonlySet<string>): MnemonicComparison[] {
  const program = ts.createProgram(files as string[], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
  });
  const checker = program.getTypeChecker();
  const found: MnemonicComparison[] = [];
  const isString = (node: ts.Node): boolean => isStringType(checker.getTypeAtLocation(node));
  const isMnemonic = (node: ts.Node): node is ts.StringLiteralLike => ts.isStringLiteralLike(node) && mnemonics.has(node.text);

  for (const file of files) {
    const source = program.getSourceFile(file);
    if (source === undefined) continue;
    const report = (node: ts.Node, literal: string): void => {
      found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, literal });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isBinaryExpression(node)) {
        const op = node.operatorToken.kind;
        if (op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) {
          if (isMnemonic(node.right) && isString(node.left)) report(node, node.right.text);
          else if (isMnemonic(node.left) && isString(node.right)) report(node, node.left.text);
        }
      } else if (ts.isCaseClause(node) && isMnemonic(node.expression)) {
        if (isString(node.parent.parent.expression)) report(node, node.expression.text);
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && stringMethods.has(node.expression.name.text)) {
        const argument = node.arguments[0];
        if (argument !== undefined && isMnemonic(argument)) {
          const signature = checker.getResolvedSignature(node);
          const parameter = signature?.parameters[0];
          if (parameter !== undefined && (checker.getTypeOfSymbolAtLocation(parameter, node).flags & ts.TypeFlags.String) !== 0) report(node, argument.text);
        }
      } else if (ts.isArrayLiteralExpression(node) && node.elements.length >= 2 && node.elements.every((element) => isMnemonic(element))) {
        const type = checker.getTypeAtLocation(node);
        const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
        if (element !== undefined && (element.flags & ts.TypeFlags.String) !== 0) report(node, (node.elements[0] as ts.StringLiteralLike).text);
      } else if (ts.isRegularExpressionLiteral(node)) {
        // The alternatives that are whole mnemonics: `stos` and `lods` in `/^(stos|lods)([bwdq]?)$/`.
        const words = new Set(node.text.split(/[|()?:^$/]+/).filter((word) => mnemonics.has(word)));
        if (words.size >= 2) report(node, [...words][0]!);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}
