// Runs the benchmarks in bench/*.bench.ts one after another (each prints its own table; none asserts).
// Usage: npm run bench [-- NAME... [options for the benches]]
//   NAME: run only bench/NAME.bench.ts (e.g. "train", "analysis"); other arguments are passed to every bench run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const all = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const args = process.argv.slice(2);
const names = args.filter((a) => all.includes(a));
const passThrough = args.filter((a) => !all.includes(a));
const unknown = passThrough.filter((a, i) => !a.startsWith('-') && !(passThrough[i - 1] ?? '').startsWith('--'));
if (unknown.length) {
  console.error(`bench: no bench/${unknown[0]}.bench.ts (have: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of names.length ? names : all) {
  console.log(`\n── bench/${name}.bench.ts ──`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', `${name}.bench.ts`), ...passThrough], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
