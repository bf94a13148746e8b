// Node 20's fs has no glob: the harness discovers test files itself.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Files under `dir` (recursively, sorted) whose name ends with `suffix`. Folders named `fixtures` and
 * `node_modules` are skipped: fixtures are inputs of tests, not tests.
 */
export function findFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'node_modules') found.push(...findFiles(full, suffix));
    } else if (entry.name.endsWith(suffix)) {
      found.push(full);
    }
  }
  return found.sort();
}
