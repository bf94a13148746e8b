// `npm test` and `npm run test:<suite>`: node scripts/test.mjs [typecheck|build|unit|integration|e2e ...]
// The harness is TypeScript (scripts/harness/, type-checked with the rest): see suites.ts.
import { runTs } from './harness/run-ts.mjs';

runTs(new URL('./harness/suites.ts', import.meta.url), process.argv.slice(2));
