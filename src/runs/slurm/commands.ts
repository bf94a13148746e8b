/**
 * The Slurm client commands, always by execFile-style argv (never a shell): sbatch (script on stdin), scancel,
 * squeue and sacct. A missing client says how to get one; a refusal carries Slurm's own words.
 */
import { execFileSync, spawn } from 'node:child_process';

export class SlurmError extends Error {
  constructor(
    message: string,
    /** "missing": no Slurm client here; "refused": Slurm said no (bad partition…); "unreachable": no answer. */
    readonly kind: 'missing' | 'refused' | 'unreachable',
  ) {
    super(message);
    this.name = 'SlurmError';
  }
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** How long a Slurm client may take before the controller counts as not answering. */
const COMMAND_TIMEOUT_MS = 60_000;

/** Words with which Slurm clients say they could not reach the controller (as opposed to refusing a request). */
const UNREACHABLE =
  /unable to contact slurm controller|socket timed out|connection refused|connect failure|slurm_load_jobs error|in standby|timed out/i;

export function runSlurm(command: string, args: readonly string[], input?: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: process.env,
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined); // a client that exits before reading its stdin
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new SlurmError(
              `${command} was not found on PATH: install the Slurm client (sbatch, squeue, sacct, scancel) on this machine, ` +
                `or open the workspace on the cluster's login node (Remote-SSH); or set mlbtc.executor to "local".`,
              'missing',
            )
          : new SlurmError(`${command} could not be started: ${e.message}`, 'unreachable'),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const said = stderr.trim() || stdout.trim();
      if (timedOut)
        reject(
          new SlurmError(`${command} ${args.join(' ')} did not answer within ${timeoutMs / 1000} s (is slurmctld up?)`, 'unreachable'),
        );
      else if (code !== 0)
        reject(
          new SlurmError(`${command} failed (exit ${code}): ${said || 'no message'}`, UNREACHABLE.test(said) ? 'unreachable' : 'refused'),
        );
      else resolve({ stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export interface Submitted {
  jobId: string;
  cluster: string | null;
}

/** Submit a batch script (on stdin) with extra argv options; the job id from `--parsable` ("123" or "123;cluster"). */
export async function sbatch(script: string, args: readonly string[]): Promise<Submitted> {
  const { stdout } = await runSlurm('sbatch', ['--parsable', ...args], script);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+)(?:;(\S+))?$/.exec(line);
  if (!match) throw new SlurmError(`sbatch answered ${JSON.stringify(stdout.trim())} instead of a job id`, 'refused');
  return { jobId: match[1]!, cluster: match[2] ?? null };
}

export async function scancel(jobKeys: readonly string[]): Promise<void> {
  if (jobKeys.length) await runSlurm('scancel', [...jobKeys]);
}

export async function squeueJson(): Promise<unknown> {
  return JSON.parse((await runSlurm('squeue', ['--json'])).stdout);
}

/** Accounting records of the given jobs ("123", "123_4"); the jobs of the last days only, which is all we ask for. */
export async function sacctJson(jobKeys: readonly string[]): Promise<unknown> {
  return JSON.parse((await runSlurm('sacct', ['--json', '-j', jobKeys.join(',')])).stdout);
}

/**
 * The state of some jobs right now, synchronously (for a user's resume or delete, which must not act on a stale
 * reading): squeue, then sacct for what squeue does not list. Throws SlurmError when Slurm does not answer.
 */
export function queryJobsNow(jobIds: readonly string[]): {
  squeue: unknown;
  sacct: unknown;
} {
  const run = (command: string, args: string[]): unknown => {
    try {
      return JSON.parse(
        execFileSync(command, args, {
          encoding: 'utf8',
          timeout: COMMAND_TIMEOUT_MS,
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 256 << 20,
        }),
      );
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      throw new SlurmError(
        `${command} failed: ${err.code === 'ENOENT' ? 'not found on PATH' : err.stderr?.trim() || err.message}`,
        err.code === 'ENOENT' ? 'missing' : 'unreachable',
      );
    }
  };
  return {
    squeue: run('squeue', ['--json']),
    sacct: run('sacct', ['--json', '-j', jobIds.join(',')]),
  };
}
