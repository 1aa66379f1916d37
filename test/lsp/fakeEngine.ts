/**
 * A stand-in for the analysis engine with the shape of the real one: it reports every
 * `-N(%rbp)` / `[rbp-N]` access in a function that set RBP = RSP as red-zone use, which is exactly
 * what the real analysis says about gcc -O0 leaf functions. It lets the handler tests run against
 * fixed, predictable findings; the real engine has its own tests in real-engine.test.ts.
 */
import type { Engine } from '../../server/src/lsp/analysis';
import { createAnalysisCache, type AnalysisCache, type AnalysisOptions, type Finding, type FrameLayout, type FunctionSummary, type KernelVerdict, type Report } from '../../server/src/core/index';

/** Analyzes like a miniature engine. `calls` counts analyses, so tests can check caching. */
export class FakeEngine implements Engine {
  calls = 0;
  throwOn: RegExp | undefined;
  /** How many per-document caches the server asked for. */
  caches = 0;

  createCache(): AnalysisCache {
    this.caches++;
    return createAnalysisCache();
  }

  analyzeText(text: string, options: AnalysisOptions = {}): Report {
    this.calls++;
    if (this.throwOn?.test(text)) throw new Error('engine exploded');
    const kernel = verdict(text, options);
    const lines = text.split('\n');
    const functions: FunctionSummary[] = [];
    const findings: Finding[] = [];
    let offset = 0;
    let current: { name: string; startLine: number; start: number; findings: number; deepest: number } | undefined;
    const close = (endLine: number, end: number): void => {
      if (current === undefined) return;
      functions.push({ name: current.name, startLine: current.startLine, endLine, span: { start: current.start, end }, frameSize: 8, redZoneBytes: current.deepest, stackUnknown: false, findingCount: current.findings });
      current = undefined;
    };
    lines.forEach((line, index) => {
      const label = /^([A-Za-z_]\w*):/.exec(line);
      if (label !== null) {
        close(index - 1, offset);
        current = { name: label[1], startLine: index, start: offset, findings: 0, deepest: 0 };
      }
      const access = /(-\d+)\(%rbp\)|\[rbp(-\d+)\]/.exec(line);
      if (current !== undefined && access !== null && !line.includes('redzone-ignore')) {
        const displacement = Number(access[1] ?? access[2]);
        const store = line.trimEnd().endsWith(access[0]) !== line.includes('[');
        const column = line.indexOf(line.trim());
        const size = 4;
        current.deepest = Math.max(current.deepest, -displacement);
        if (kernel.kernel) {
          current.findings++;
          findings.push({
            code: store ? 'red-zone-store' : 'red-zone-load',
            severity: 'warning',
            message: `${store ? 'stores' : 'loads'} ${size} bytes at RSP${displacement}, below the stack pointer, in kernel code`,
            function: current.name,
            line: index,
            span: { start: offset + column, end: offset + line.trimEnd().length },
            kind: store ? 'store' : 'load',
            offset: displacement,
            size,
            kernelReason: kernel.reason,
            source: undefined,
            related: [{ line: current.startLine + 1, span: { start: current.start, end: current.start + 5 }, message: 'the frame is set up here' }],
          });
        }
      }
      if (/^\s*ret\b/.test(line)) close(index, offset + line.length);
      offset += line.length + 1;
    });
    close(lines.length - 1, text.length);
    return { input: 'att', inputReason: 'fake', kernel, abi: options.abi ?? 'sysv', functions, findings, problems: [] };
  }

  frameLayoutAt(text: string, line: number, options: AnalysisOptions = {}): FrameLayout | undefined {
    const report = this.analyzeText(text, options);
    const summary = report.functions.find((fn) => fn.startLine <= line && line <= fn.endLine);
    if (summary === undefined) return undefined;
    const findings = report.findings.filter((finding) => finding.line === line);
    return {
      function: summary.name,
      line,
      instruction: (text.split('\n')[line] ?? '').trim(),
      rspFromEntry: -8,
      rbpFromRsp: 0,
      rows: [
        { from: 8, to: 16, kind: 'return-address', label: 'return address', writtenAt: [], readAt: [] },
        { from: 0, to: 8, kind: 'saved-register', label: 'saved %rbp', writtenAt: [summary.startLine + 1], readAt: [] },
        { from: -24, to: -16, kind: 'red-zone', label: 'red zone', writtenAt: [8, 9], readAt: [10, 11] },
      ],
      interruptFrame: { from: -56, to: 0 },
      redZoneSize: 128,
      kernel: report.kernel,
      findings,
      unknownReason: undefined,
    };
  }
}

function verdict(text: string, options: AnalysisOptions): KernelVerdict {
  if (options.forcedKernel !== undefined) return options.forcedKernel;
  const magic = /redzone:\s*(kernel|user)/.exec(text.split('\n').slice(0, 30).join('\n'));
  if (magic !== null) return { kernel: magic[1] === 'kernel', reason: `the magic comment \`redzone: ${magic[1]}\`` };
  if (options.globKernel !== undefined) return options.globKernel;
  return { kernel: false, reason: 'no kernel evidence' };
}
