// Builds every bundle with esbuild and writes the JSON Schema from its TypeBox source.
// Usage: node scripts/build.mjs [--watch] [--minify] [--only=cli,worker] [--outdir=DIR]
//   --only: just these node bundles (no webviews), e.g. for a test that spawns the built CLI.
//   --outdir: write there instead of dist/ (tests build into a temporary folder).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dist = option('outdir') ? path.resolve(option('outdir')) : path.join(root, 'dist');
const only = option('only')?.split(',');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const rel = (p) => path.join(root, p);

/** Node bundles: the extension host (vscode external), the CLI and the training worker. */
const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/cli.ts', out: 'cli' },
  { in: 'src/engine/worker.ts', out: 'worker' },
].filter((e) => existsSync(rel(e.in)) && (!only || only.includes(e.out)));

/** One browser bundle per webview panel folder (webview/<panel>/main.ts). */
const webviewEntries =
  !only && existsSync(rel('webview'))
    ? readdirSync(rel('webview'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(rel(`webview/${d.name}/main.ts`)))
        .map((d) => ({ in: `webview/${d.name}/main.ts`, out: `webview/${d.name}` }))
    : [];

const common = { bundle: true, sourcemap: true, minify, logLevel: 'warning', absWorkingDir: root };

const configs = [
  {
    ...common,
    entryPoints: nodeEntries.map((e) => ({ in: e.in, out: e.out })),
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // tfjs-node(-gpu) are optional native packages: resolved at run time when installed. webgpu ships dawn.node.
    external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'],
    // Prefer ES module builds: jsonc-parser's "main" is a UMD wrapper whose require('./impl/…') calls esbuild
    // cannot follow, so bundling it fails at run time with "Cannot find module './impl/format'".
    mainFields: ['module', 'main'],
  },
  ...(webviewEntries.length
    ? [
        {
          ...common,
          entryPoints: webviewEntries,
          outdir: dist,
          platform: 'browser',
          format: 'iife',
          target: 'es2022',
          loader: { '.css': 'text' },
        },
      ]
    : []),
];

async function writeSchema() {
  const tmp = path.join(root, '.cache', 'build');
  mkdirSync(tmp, { recursive: true });
  const out = path.join(tmp, 'schema.cjs');
  await esbuild.build({
    entryPoints: [rel('src/core/spec/schema.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  delete require.cache[out];
  const { jsonSchema } = require(out);
  mkdirSync(dist, { recursive: true });
  writeFileSync(
    path.join(dist, 'mlbtc.schema.json'),
    JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...jsonSchema() }, null, 2),
  );
}

/** The worker's tfjs wasm backend loads its .wasm binaries from beside the bundle at run time (src/engine/backend.ts). */
function copyWasmBinaries() {
  if (!nodeEntries.some((e) => e.out === 'worker')) return;
  const from = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(dist, { recursive: true });
  for (const f of readdirSync(from).filter((f) => f.endsWith('.wasm'))) copyFileSync(path.join(from, f), path.join(dist, f));
}

await writeSchema();
copyWasmBinaries();
if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
  console.log('[build] watching');
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
