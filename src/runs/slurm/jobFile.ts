/**
 * <run>/slurm.json: the Slurm job a run was submitted as, written (under the run's lock) right after sbatch
 * answered, next to where a local launch would write launch.json. While it exists the run belongs to that job: no
 * manager starts a local worker on it or submits it again, and its liveness is the job's state, never a pid (the
 * worker's pid lives on a compute node). Resume replaces it with {resubmit: true, previousJobs}: the run is queued
 * again and goes back to Slurm (whatever the default executor of the manager that picks it up), as a new job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../runfolder/runFolder';
import { StoreFiles } from '../layout';

export interface SlurmJobFile {
  /** The job id sbatch printed (the array's id for a task of a job array). */
  jobId: string;
  /** This run's task in the job array, when it was submitted as one. */
  arrayTask?: number;
  submittedAt: string;
  /** The cluster sbatch named (federations and multi-cluster set-ups), when it named one. */
  cluster?: string;
}

/** The key squeue, sacct and scancel know the job by: "123", or "123_4" for a task of an array. */
export function jobKey(job: SlurmJobFile): string {
  return job.arrayTask === undefined ? job.jobId : `${job.jobId}_${job.arrayTask}`;
}

export function writeJobFile(runDir: string, job: SlurmJobFile): void {
  writeFileAtomic(path.join(runDir, StoreFiles.slurmJob), JSON.stringify(job));
}

export function readJobFile(runDir: string): SlurmJobFile | null {
  const file = path.join(runDir, StoreFiles.slurmJob);
  // Asked for every run on every tick, and usually absent: a cheap existence check, no thrown ENOENT.
  if (!fs.existsSync(file)) return null;
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SlurmJobFile>;
    if (typeof v.jobId !== 'string' || !/^\d+$/.test(v.jobId)) return null;
    return {
      jobId: v.jobId,
      ...(typeof v.arrayTask === 'number' ? { arrayTask: v.arrayTask } : {}),
      submittedAt: String(v.submittedAt ?? ''),
      ...(typeof v.cluster === 'string' ? { cluster: v.cluster } : {}),
    };
  } catch {
    return null;
  }
}

/** Resume: the job is over; the run is to be submitted to Slurm again (readJobFile then says "no job"). */
export function markForResubmit(runDir: string, previous: SlurmJobFile): void {
  const file = path.join(runDir, StoreFiles.slurmJob);
  let previousJobs: string[] = [];
  try {
    const old = JSON.parse(fs.readFileSync(file, 'utf8')) as { previousJobs?: unknown };
    if (Array.isArray(old.previousJobs)) previousJobs = old.previousJobs.filter((j): j is string => typeof j === 'string');
  } catch {
    // first resume
  }
  writeFileAtomic(file, JSON.stringify({ resubmit: true, previousJobs: [...previousJobs, jobKey(previous)] }));
}

/** Was this run submitted to Slurm before (it has a job, or had one and was resumed)? */
export function hadSlurmJob(runDir: string): boolean {
  return fs.existsSync(path.join(runDir, StoreFiles.slurmJob));
}
