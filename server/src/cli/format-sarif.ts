/**
 * `check --format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
 *
 * Rules come from the findings table (all codes, so rule indexes are stable between runs).
 * Artifact URIs are relative to the working directory (`%SRCROOT%`), which is what code-scanning
 * uploads expect; paths outside it become absolute `file:` URIs. Regions use 1-based lines and
 * UTF-16 columns with an exclusive `endColumn`, SARIF's defaults.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findingDocUrl, findingTable, type Severity } from '../core/index';
import type { CheckRun } from './check';
import type { Range1 } from './line-index';
import type { LocatedFinding } from './locate';

export const informationUri = 'https://github.com/redzone-lint/redzone-lint';

const level: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', information: 'note' };

/** Tool facts the SARIF document names. */
export interface SarifTool {
  readonly version: string;
  /** The working directory; artifact URIs are relative to it. */
  readonly cwd: string;
}

/** Renders the SARIF log (with a trailing newline). */
export function formatSarif(run: CheckRun, findings: readonly LocatedFinding[], tool: SarifTool): string {
  const artifact = (path: string) => artifactLocation(path, tool.cwd);
  const region = (range: Range1) => ({
    startLine: range.line,
    startColumn: range.column,
    endLine: range.endLine,
    endColumn: range.endColumn,
  });
  const rules = findingTable.map((info) => ({
    id: info.code,
    name: camelCase(info.code),
    shortDescription: { text: info.summary },
    fullDescription: { text: firstParagraph(info.documentation) },
    helpUri: findingDocUrl(info.code),
    help: { text: info.documentation, markdown: info.documentation },
    defaultConfiguration: { level: level[info.severity] },
  }));
  const results = findings.map(({ path, range, finding, related, kernel }) => {
    const relatedLocations = related.map((item, id) => ({
      id,
      message: { text: item.message },
      physicalLocation: { artifactLocation: artifact(path), region: region(item.range) },
    }));
    if (finding.source !== undefined) {
      relatedLocations.push({
        id: relatedLocations.length,
        message: { text: 'the C source line this code was compiled from' },
        physicalLocation: {
          artifactLocation: artifact(finding.source.path),
          region: { startLine: finding.source.line } as ReturnType<typeof region>,
        },
      });
    }
    return {
      ruleId: finding.code,
      ruleIndex: findingTable.findIndex((info) => info.code === finding.code),
      level: level[finding.severity],
      // Code-scanning viewers show only the message, and every diagnostic must say why the file counts as kernel code.
      message: { text: finding.kernelReason === '' ? finding.message : `${finding.message} (${kernel ? 'Kernel' : 'User'} code: ${finding.kernelReason})` },
      locations: [
        {
          physicalLocation: { artifactLocation: artifact(path), region: region(range) },
          logicalLocations: [{ name: finding.function, kind: 'function' }],
        },
      ],
      ...(relatedLocations.length > 0 ? { relatedLocations } : {}),
      properties: {
        kind: finding.kind ?? null,
        offset: finding.offset ?? null,
        size: finding.size ?? null,
        kernelReason: finding.kernelReason,
      },
    };
  });
  const notifications = [
    ...run.files
      .filter((file) => file.error !== undefined)
      .map((file) => ({
        level: 'error',
        message: { text: `${file.path}: ${file.error}` },
        locations: [{ physicalLocation: { artifactLocation: artifact(file.path) } }],
      })),
    ...run.notices.map((notice) => ({ level: notice.level, message: { text: notice.message } })),
  ];
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'redzone-lint', version: tool.version, informationUri, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: directoryUri(tool.cwd) } },
        columnKind: 'utf16CodeUnits',
        results,
        invocations: [
          {
            executionSuccessful: !notifications.some((notification) => notification.level === 'error'),
            toolExecutionNotifications: notifications,
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A path as a SARIF artifact location: relative to %SRCROOT% when inside it, else an absolute file URI. */
function artifactLocation(path: string, cwd: string): { uri: string; uriBaseId?: string } {
  const absolute = resolve(cwd, path);
  const rel = relative(cwd, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { uri: pathToFileURL(absolute).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

function firstParagraph(markdown: string): string {
  return markdown.split('\n\n')[0] ?? markdown;
}

function camelCase(code: string): string {
  return code.replace(/-(.)/g, (_, char: string) => char.toUpperCase()).replace(/^./, (char) => char.toUpperCase());
}
