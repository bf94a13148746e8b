// Bundles the integration tests for the extension host: test/integration/index.ts (the mocha entry) and
// every test/integration/**/*.test.ts, each into its own CommonJS file under out/test/, with `vscode`
// (provided by the host) and `mocha` (resolved from node_modules at run time) left external.
import * as esbuild from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { findFiles } from './find-files';
import { integrationOutDir, repoRoot } from './paths';

export interface IntegrationBundle {
  /** out/test/index.js: the module given to the workbench as extensionTestsPath. */
  indexFile: string;
  testFiles: string[];
}

export interface BundleOptions {
  /** Folder with *.test.ts files. Default test/integration. */
  testsDir?: string;
  outDir?: string;
}

export async function bundleIntegrationTests(options: BundleOptions = {}): Promise<IntegrationBundle> {
  const testsDir = options.testsDir ?? path.join(repoRoot, 'test', 'integration');
  const outDir = options.outDir ?? integrationOutDir;
  const sources = findFiles(testsDir, '.test.ts');
  if (sources.length === 0) throw new Error(`no integration tests: nothing matches ${path.relative(repoRoot, testsDir)}/**/*.test.ts`);
  // index.js finds the tests by listing out/test/integration, so stale bundles of deleted tests must go.
  rmSync(outDir, { recursive: true, force: true });
  const entryPoints = [
    { in: path.join(repoRoot, 'test', 'integration', 'index.ts'), out: 'index' },
    ...sources.map((file) => ({ in: file, out: path.join('integration', path.relative(testsDir, file).replace(/\.ts$/, '')) })),
  ];
  try {
    await esbuild.build({
      entryPoints,
      outdir: outDir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      external: ['vscode', 'mocha'],
      logLevel: 'warning',
      absWorkingDir: repoRoot,
    });
  } finally {
    // esbuild's API keeps a service process alive for reuse; this process has no further use for it.
    await esbuild.stop();
  }
  return {
    indexFile: path.join(outDir, 'index.js'),
    testFiles: entryPoints.slice(1).map((e) => path.join(outDir, `${e.out}.js`)),
  };
}
