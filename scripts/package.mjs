// `npm run package`: production build + vsce package into dist/ (see scripts/harness/package.ts).
import { runTs } from './harness/run-ts.mjs';

runTs(new URL('./harness/package.ts', import.meta.url), process.argv.slice(2));
