import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';

/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof`): self time by package and by
 * function, and optionally the inclusive time of frames whose name or file matches a pattern.
 *
 *   node bench/profile-summary.mjs bench/results/profiles/CPU.….cpuprofile [--top 40]
 *     [--inclusive 'TokenService|PrincipalResolver|helmet']
 *
 * Idle time (the process waiting for the network) is reported but left out of the shares.
 */
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    inclusive: { type: 'string' },
  },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top N]\n');
  process.exit(2);
}
const top = Number(args.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) {
    parents.set(child, node.id);
  }
}
const selfMicros = new Map();
profile.samples.forEach((id, index) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});

/** node_modules package, Node internals, the app's own file, or V8's pseudo frames. */
function packageOf(url, functionName) {
  if (!url) {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) {
    return 'node: internals';
  }
  const app = /\/dist\/(src\/.*)$/.exec(url);
  return app ? `app ${app[1]}` : url;
}

const byPackage = new Map();
const byFunction = new Map();
let total = 0;
let idle = 0;
for (const [id, micros] of selfMicros) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') {
    idle += micros;
    continue;
  }
  total += micros;
  const pkg = packageOf(url, functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const fn = `${functionName || '(anonymous)'}  ${pkg}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
}

const ms = (micros) => (micros / 1000).toFixed(0).padStart(7);
const share = (micros) => `${((micros / total) * 100).toFixed(1).padStart(5)} %`;
const table = (title, entries) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${ms(micros)} ms ${share(micros)}  ${name}\n`);
  }
};

process.stdout.write(
  `busy ${ms(total).trim()} ms, idle ${ms(idle).trim()} ms, ${profile.samples.length} samples\n`,
);
table('self time by package', byPackage);
table('self time by function', byFunction);

if (args.inclusive) {
  // Time of every sample with a matching frame on its stack, counted once per sample.
  const pattern = new RegExp(args.inclusive);
  const matches = (id) => {
    const { functionName, url } = nodes.get(id).callFrame;
    return pattern.test(functionName) || pattern.test(url);
  };
  const inclusive = new Map();
  profile.samples.forEach((id, index) => {
    const seen = new Set();
    for (let current = id; current !== undefined; current = parents.get(current)) {
      if (matches(current)) {
        const { functionName, url } = nodes.get(current).callFrame;
        seen.add(`${functionName || '(anonymous)'}  ${packageOf(url, functionName)}`);
      }
    }
    for (const name of seen) {
      inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
    }
  });
  table(`inclusive time of frames matching /${args.inclusive}/`, inclusive);
}
