// The Python that runs the PyTorch runtime's tests: MLBTC_PYTHON, else the project's venv (.venv, made by .ci/run
// or `python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 numpy safetensors pytest`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';

export function testPython(): string | undefined {
  const venv = path.join(repoRoot, '.venv', 'bin', 'python');
  return process.env.MLBTC_PYTHON || (existsSync(venv) ? venv : undefined);
}
