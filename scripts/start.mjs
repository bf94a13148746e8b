// `npm start`: build, then MLBTC Studio in a local code-server with examples/ open (see harness/start.ts).
import { runTs } from './harness/run-ts.mjs';

runTs(new URL('./harness/start.ts', import.meta.url), process.argv.slice(2));
