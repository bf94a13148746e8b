/**
 * Finding the Python the PyTorch runtime runs on, for tests: MLBTC_PYTHON, else <repo>/.venv/bin/python, else
 * python3; the first that imports torch. Tests skip, saying why, only when none does.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');

/** The environment that lets that Python import mlbtc_torch from src/pytorch without installing it. */
export const pythonEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PYTHONPATH: path.join(repoRoot, 'src', 'pytorch') });

export function findPython(): { python: string } | { skip: string } {
  const candidates = [process.env.MLBTC_PYTHON, path.join(repoRoot, '.venv', 'bin', 'python'), 'python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python };
  }
  return { skip: `no Python with torch (tried ${candidates.join(', ')}); set MLBTC_PYTHON to one` };
}
