// Text benchmark: how long `redzone-lint check` takes on a large compiler-output `.s` compared
// with GNU `as` assembling the same file, measured in one run on one machine. The target (README,
// "Performance") is a ratio (ours / as) of at most 0.5. This prints; it does not fail on a slow ratio.
//
// The input is the SQLite amalgamation compiled by gcc -O2 -S (about 5 MB and 300,000 lines of
// `.s`), built once by scripts/bench-input.mjs and cached in .cache/bench.
// Usage: npm run bench:text [-- --runs N] [-- --cc clang]   (build dist/cli.js first)

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { amalgamationAsm } from './bench-input.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, cc: { type: 'string', default: 'gcc' } } });
const runs = Number(values.runs);
const cc = values.cc;
const cli = join(root, 'dist', 'cli.js');

if (!existsSync(cli)) {
  console.error('dist/cli.js does not exist; build it first with `node esbuild.mjs`.');
  process.exit(2);
}

/** Runs a command `runs` times; returns the wall times in milliseconds and the last result. */
function time(command, commandArgs, acceptStatus) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    last = spawnSync(command, commandArgs, { cwd: root, maxBuffer: 1 << 30, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (last.error || !acceptStatus(last.status)) {
      console.error(`${command} ${commandArgs.join(' ')} failed (status ${last.status}):\n${last.stderr ?? last.error}`);
      process.exit(2);
    }
  }
  return { times, last };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => `${value.toFixed(0)} ms`;

const input = amalgamationAsm(root, cc);
const inputRel = relative(root, input);
const bytes = statSync(input).size;
const as = time('as', ['-o', '/dev/null', input], (status) => status === 0);
// Exit 1 only means findings; 2 (input error) or a crash fails the benchmark.
const ours = time(process.execPath, [cli, 'check', '--format', 'json', inputRel], (status) => status === 0 || status === 1);

let stats = '';
let warning = '';
try {
  const doc = JSON.parse(ours.last.stdout);
  stats = `${doc.stats?.functions ?? '?'} functions, ${doc.findings?.length ?? '?'} findings`;
  // A CLI that analyzes nothing is fast for the wrong reason; say so next to the ratio.
  if (!doc.stats?.functions) warning = '  WARNING: the CLI analyzed no functions, so the ratio means nothing yet.\n';
} catch {
  stats = 'the CLI printed no JSON';
}
// What Node needs before any analysis: start, read the file as text and find its line ends. No
// JavaScript tool can go below this, so it is printed as a ratio too, to show how much of ours is
// analysis and how much is the platform.
const floorScript = "const t=require('fs').readFileSync(process.argv[1],'utf8');let n=0;for(let i=0;i<t.length;i++)if(t.charCodeAt(i)===10)n++;console.log(n)";
const floor = time(process.execPath, ['-e', floorScript, inputRel], (status) => status === 0);
// One step further, still with no analysis: cut every line into its first word (the mnemonic) and
// its comma-separated operand strings (commas inside parentheses kept), as any analyzer must.
const tokenizeScript = `const t=require('fs').readFileSync(process.argv[1],'utf8');let i=0,n=0,h=0;const L=t.length;
while(i<L){let e=t.indexOf('\\n',i);if(e<0)e=L;let p=i;while(p<e&&(t.charCodeAt(p)===32||t.charCodeAt(p)===9))p++;
const s0=p;while(p<e&&t.charCodeAt(p)>32)p++;h+=t.slice(s0,p).length;while(p<e&&(t.charCodeAt(p)===32||t.charCodeAt(p)===9))p++;
let d=0,s=p;for(;p<e;p++){const c=t.charCodeAt(p);if(c===40)d++;else if(c===41)d--;else if(c===44&&d===0){h+=t.slice(s,p).length;n++;s=p+1;}}
if(s<e){h+=t.slice(s,e).length;n++;}i=e+1;}console.log(n,h);`;
const tokenize = time(process.execPath, ['-e', tokenizeScript, inputRel], (status) => status === 0);
const ratio = median(ours.times) / median(as.times);
console.log(`
text benchmark: ${inputRel} (${(bytes / 1e6).toFixed(1)} MB), ${runs} runs each
  GNU as -o /dev/null         median ${ms(median(as.times))}  best ${ms(Math.min(...as.times))}
  redzone-lint check --json   median ${ms(median(ours.times))}  best ${ms(Math.min(...ours.times))}  (${stats})
  node: start, read, count lines  median ${ms(median(floor.times))}  (ratio to as: ${(median(floor.times) / median(as.times)).toFixed(2)}, the floor for any Node tool)
  node: ... and split every line into mnemonic and operands  median ${ms(median(tokenize.times))}  (ratio to as: ${(median(tokenize.times) / median(as.times)).toFixed(2)}, before any analysis)
  ratio ours / as (median): ${ratio.toFixed(2)}  target <= 0.50: ${ratio <= 0.5 ? 'MET' : 'NOT MET'}
${warning}`);
