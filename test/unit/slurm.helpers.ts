/**
 * The real Slurm the cluster tests run against: scripts/slurm/cluster.sh brings it up when `sinfo` does not answer
 * (and down again when this test process exits: a cluster the tests started is theirs to stop; one that was already
 * up, as .ci/run brings it, stays up); tests skip with the reason only when Slurm is not installed (or cannot be
 * started by this user).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './runs.helpers';

let reason: string | null | undefined;

/** Null when a cluster answers (started if need be), else why the cluster tests are skipped. */
export function slurmUnavailable(): string | null {
  if (reason !== undefined) return reason;
  if (spawnSync('sbatch', ['--version']).error) return (reason = 'Slurm is not installed (no sbatch on PATH)');
  if (spawnSync('sinfo', ['-h']).status === 0) return (reason = null);
  if (process.getuid?.() !== 0) return (reason = 'no Slurm controller answers, and scripts/slurm/cluster.sh needs root to start one');
  const cluster = path.join(repoRoot, 'scripts', 'slurm', 'cluster.sh');
  const up = spawnSync(cluster, ['up'], { encoding: 'utf8', timeout: 180_000 });
  if (up.status !== 0) throw new Error(`scripts/slurm/cluster.sh up failed: ${up.stderr || up.stdout}`);
  process.once('exit', () => spawnSync(cluster, ['down'], { timeout: 60_000 }));
  return (reason = null);
}

export function scontrol(...args: string[]): string {
  return execFileSync('scontrol', args, { encoding: 'utf8' });
}
