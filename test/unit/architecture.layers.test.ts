/**
 * The layering, checked on every import of every source file: core at the bottom; protocol (the formats) on core;
 * runfolder (reading and writing run folders) and data (task data files) beside each other on those; the tfjs
 * engine above them; runs, the extension and the CLI beside the engine, never importing it (they start a runtime
 * through a launcher and read what it writes to the run folder); the CLI and the extension never importing each
 * other; webviews only through the protocol (and core's pure formatting); `vscode` only in the extension and tfjs
 * only in the engine.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(__dirname, '../..');

type Layer = 'core' | 'protocol' | 'runfolder' | 'data' | 'engine' | 'runs' | 'extension' | 'cli' | 'webview';

/**
 * What each layer may import besides itself. A runtime (the tfjs engine here, the PyTorch package in src/pytorch) is
 * reached only through the run folder and a launcher: runs, the extension and the CLI never import the engine.
 */
const allowed: Record<Layer, readonly Layer[]> = {
  core: [],
  protocol: ['core'],
  runfolder: ['core', 'protocol'],
  data: ['core', 'protocol'],
  engine: ['core', 'protocol', 'runfolder', 'data'],
  runs: ['core', 'protocol', 'runfolder', 'data'],
  extension: ['runs', 'core', 'protocol', 'runfolder', 'data'],
  cli: ['runs', 'core', 'protocol', 'runfolder', 'data'],
  webview: ['core', 'protocol'],
};

/** Packages a layer may import only if it is listed here (the rest are free for all layers). */
const packageOwners: Record<string, readonly Layer[]> = {
  vscode: ['extension'],
  '@tensorflow': ['engine'],
  webgpu: ['engine'],
};

function layerOf(file: string): Layer | undefined {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'webview') return 'webview';
  if (rel[0] !== 'src') return undefined;
  if (rel[1] === 'cli.ts' || rel[1] === 'cli') return 'cli';
  return (['core', 'protocol', 'runfolder', 'data', 'engine', 'runs', 'extension'] as const).find((l) => l === rel[1]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module specifier of static imports, re-exports, dynamic imports and require() calls. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

const files = [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'webview'))];

describe('architecture: dependencies point one way', () => {
  it('finds the layers (sanity: every layer has files, and imports are parsed)', () => {
    const layers = new Set(files.map(layerOf));
    for (const l of Object.keys(allowed)) assert.ok(layers.has(l as Layer), l);
    assert.deepEqual(
      specifiers(
        `import * as a from 'x';\nimport type { B } from "./y";\nexport { c } from '../z';\nconst d = require('w');\nimport 'side';`,
      ),
      ['x', './y', '../z', 'w', 'side'],
    );
  });

  it('no source file imports a layer above it, or a package its layer must not load', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file)!;
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const where = `${path.relative(root, file)} imports '${spec}'`;
        if (spec.startsWith('.')) {
          const to = layerOf(path.resolve(path.dirname(file), spec));
          if (to && to !== from && !allowed[from].includes(to)) violations.push(`${where}: ${from} must not depend on ${to}`);
        } else {
          const pkg = spec.split('/')[0]!;
          const owners = packageOwners[pkg];
          if (owners && !owners.includes(from)) violations.push(`${where}: only ${owners.join(', ')} may load ${pkg}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('no two folders import each other, except a folder and its own subfolder (an index and its parts)', () => {
    const edges = new Set<string>();
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const from = path.dirname(file);
        const to = path.dirname(path.resolve(from, spec));
        if (to !== from) edges.add(`${from}\0${to}`);
      }
    }
    const nested = (a: string, b: string) => a.startsWith(`${b}${path.sep}`) || b.startsWith(`${a}${path.sep}`);
    const loops = [...edges]
      .map((e) => e.split('\0') as [string, string])
      .filter(([a, b]) => a < b && edges.has(`${b}\0${a}`) && !nested(a, b))
      .map(([a, b]) => `${path.relative(root, a)} <-> ${path.relative(root, b)}`);
    assert.deepEqual(loops, []);
  });
});
