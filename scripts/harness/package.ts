// `npm run package`: a production build, then `vsce package --no-dependencies` into dist/. The bundles
// carry every JavaScript dependency, and .vscodeignore keeps sources, tests and caches out.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { distDir, repoRoot } from './paths';

const run = promisify(execFile);

/** dist/<name>-<version>.vsix, from package.json. */
export function vsixPath(): string {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(distDir, `${manifest.name}-${manifest.version}.vsix`);
}

export async function packageExtension(log: (line: string) => void = console.log): Promise<string> {
  const out = vsixPath();
  log('[package] production build (minified)');
  await step(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--minify']);
  log(`[package] vsce package -> ${path.relative(repoRoot, out)}`);
  // No stdin (CI): vsce would otherwise stop to ask about the missing `repository` field (the project has no public
  // URL). Relative README links stay relative: the README's image ships inside the package (.vscodeignore).
  await step(process.execPath, [
    path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies',
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
    '--out',
    out,
  ]);
  log(`[package] ${path.relative(repoRoot, out)}: ${(statSync(out).size / 1024).toFixed(0)} KiB`);
  return out;
}

async function step(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { cwd: repoRoot, timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}

if (require.main === module) {
  packageExtension().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
