// `npm test` and `npm run test:<suite>`: node scripts/test.mjs [typecheck|build|unit|integration|e2e ...]
// The harness is TypeScript (scripts/harness/, type-checked with the rest); tsx loads it.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('./harness/suites.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
