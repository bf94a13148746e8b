import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initialStatus, RunFiles, type RunStatus } from '../../src/protocol/run';
import { settledStatus } from '../../src/runs/slurm/executor';
import { runSlurm, SlurmError } from '../../src/runs/slurm/commands';
import { SlurmJobPoller } from '../../src/runs/slurm/jobPoller';
import { describeJob, lookupJob, parseSacct, parseSqueue, phaseOf, type JobObservation } from '../../src/runs/slurm/jobState';
import { tempDir } from './runs.helpers';

test('squeue --json of Slurm 22.05 (v0.0.38): plain jobs, array tasks, a pending array not yet split', () => {
  const jobs = parseSqueue({
    jobs: [
      {
        job_id: 7,
        array_job_id: 0,
        array_task_id: null,
        array_task_string: '',
        job_state: 'RUNNING',
        state_reason: 'None',
        batch_host: 'n1',
        nodes: 'n1',
        restart_cnt: 0,
      },
      {
        job_id: 9,
        array_job_id: 8,
        array_task_id: 1,
        array_task_string: '',
        job_state: 'RUNNING',
        state_reason: 'None',
        batch_host: 'n2',
      },
      {
        job_id: 8,
        array_job_id: 8,
        array_task_id: null,
        array_task_string: '2-3%1',
        job_state: 'PENDING',
        state_reason: 'JobArrayTaskLimit',
        nodes: '',
      },
      { job_id: 'garbage' },
      'not an object',
    ],
  });
  assert.deepEqual(
    jobs.map((j) => [j.key, j.phase, j.reason, j.node]),
    [
      ['7', 'running', null, 'n1'],
      ['8_1', 'running', null, 'n2'],
      ['8_*', 'pending', 'JobArrayTaskLimit', null],
    ],
  );
  const map = new Map(jobs.map((j) => [j.key, j]));
  assert.equal(lookupJob(map, '8_3')?.phase, 'pending', 'a task not split yet reads as its pending array');
  assert.equal(lookupJob(map, '8_1')?.node, 'n2');
  assert.equal(lookupJob(map, '10'), undefined);
});

test('newer schemas: states as arrays, numbers as {set, number}; sacct exit codes and array tasks', () => {
  const [queued] = parseSqueue({
    jobs: [
      {
        job_id: { set: true, number: 5 },
        array_job_id: { set: false, number: 0 },
        job_state: ['PENDING'],
        state_reason: 'Priority',
      },
    ],
  });
  assert.deepEqual([queued!.key, queued!.phase, queued!.reason], ['5', 'pending', 'Priority']);
  const ended = parseSacct({
    jobs: [
      {
        job_id: 11,
        array: { job_id: 0, task_id: null },
        state: { current: 'TIMEOUT', reason: 'None' },
        nodes: 'n3',
        exit_code: { status: 'SIGNALED', return_code: 0 },
      },
      {
        job_id: 13,
        array: { job_id: 12, task_id: { set: true, number: 2 } },
        state: { current: ['FAILED'] },
        nodes: 'None assigned',
        exit_code: { return_code: { set: true, number: 3 } },
      },
      { job_id: 14, state: { current: 'CANCELLED by 0' } },
      { job_id: 15 },
    ],
  });
  assert.deepEqual(
    ended.map((j) => [j.key, j.phase, j.node, j.exitCode]),
    [
      ['11', 'interrupted', 'n3', 0],
      ['12_2', 'failed', null, 3],
      ['14', 'cancelled', null, null],
    ],
  );
  assert.deepEqual(parseSqueue({ nojobs: true }), []);
  assert.deepEqual(parseSacct(null), []);
});

test('Slurm states map to run states; TIMEOUT, PREEMPTED and NODE_FAIL are interruptions', () => {
  const cases: [string, string][] = [
    ['PENDING', 'pending'],
    ['REQUEUED', 'pending'],
    ['RUNNING', 'running'],
    ['COMPLETING', 'running'],
    ['COMPLETED', 'completed'],
    ['FAILED', 'failed'],
    ['OUT_OF_MEMORY', 'failed'],
    ['CANCELLED', 'cancelled'],
    ['TIMEOUT', 'interrupted'],
    ['PREEMPTED', 'interrupted'],
    ['NODE_FAIL', 'interrupted'],
    ['SOMETHING_NEW', 'unknown'],
  ];
  for (const [state, phase] of cases) assert.equal(phaseOf(state), phase, state);
});

const job = (state: string, extra: Partial<JobObservation> = {}): JobObservation => ({
  key: '5',
  state,
  phase: phaseOf(state),
  reason: null,
  node: 'n1',
  exitCode: 0,
  restarts: 0,
  ...extra,
});
const status = (state: RunStatus['state'], extra: Partial<RunStatus> = {}): RunStatus => ({
  ...initialStatus(100),
  state,
  step: 40,
  ...extra,
});

test("settling a run from its job: the worker's own final word stands; a job that ended without one says how", () => {
  const dir = tempDir('slurm-settle');
  try {
    fs.writeFileSync(path.join(dir, RunFiles.log), 'loading\nError: out of memory\n');
    assert.equal(settledStatus(status('completed'), job('COMPLETED'), dir, '5'), null);
    assert.equal(settledStatus(status('running'), job('RUNNING'), dir, '5'), null, "a running job is the worker's to report");
    assert.equal(settledStatus(status('queued'), job('PENDING'), dir, '5'), null);
    assert.equal(settledStatus(status('cancelled'), job('CANCELLED'), dir, '5'), null);
    const timeLimit = settledStatus(status('cancelled', { exitReason: 'stopped by SIGTERM' }), job('COMPLETED'), dir, '5');
    assert.equal(timeLimit?.state, 'interrupted');
    assert.match(timeLimit!.exitReason!, /stopped by Slurm on n1 \(COMPLETED: the signal before its time limit\); resume goes on from/);
    const killed = settledStatus(status('running'), job('TIMEOUT'), dir, '5');
    assert.deepEqual([killed?.state, killed?.pid], ['interrupted', null]);
    assert.match(killed!.exitReason!, /Slurm job 5 ended TIMEOUT on n1; resume continues from the last checkpoint \(last step 40\)/);
    const crashed = settledStatus(status('running'), job('FAILED', { exitCode: 1 }), dir, '5');
    assert.match(crashed!.exitReason!, /Slurm job 5 FAILED with exit code 1 on n1; last output: Error: out of memory/);
    const unwritable = settledStatus(status('queued'), job('FAILED', { exitCode: 3 }), dir, '5');
    assert.match(unwritable!.exitReason!, /the run folder .* is not writable from node n1/);
    assert.equal(settledStatus(status('queued'), job('CANCELLED'), dir, '5')?.state, 'cancelled');
    const requeued = settledStatus(status('cancelled'), job('PENDING', { restarts: 1, reason: 'BeginTime' }), dir, '5');
    assert.deepEqual([requeued?.state, requeued?.exitReason, requeued?.endedAt], ['queued', null, null]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the poller: one squeue per round plus sacct for the jobs that left the queue; silence is "unknown", never an end', async () => {
  const calls: string[] = [];
  let down = false;
  const poller = new SlurmJobPoller(60_000, {
    squeue: async () => {
      calls.push('squeue');
      if (down) throw new Error('squeue failed (exit 1): slurm_load_jobs error: Unable to contact slurm controller');
      return { jobs: [{ job_id: 1, job_state: 'RUNNING', batch_host: 'n1' }] };
    },
    sacct: async (ids) => {
      calls.push(`sacct ${ids.join(',')}`);
      return { jobs: [{ job_id: 2, state: { current: 'COMPLETED' } }] };
    },
  });
  const owner = {};
  poller.want(owner, ['1', '2', '3']);
  await poller.poll();
  assert.deepEqual(calls, ['squeue', 'sacct 2,3']);
  assert.equal(poller.read('1').job?.phase, 'running');
  assert.equal(poller.read('2').job?.phase, 'completed');
  assert.ok(poller.read('2', Date.now() + 4_000).phaseForMs >= 4_000, 'how long the phase has held');
  assert.match(poller.read('3').unknown ?? '', /neither squeue nor sacct knows the job/);
  down = true;
  await poller.poll();
  const reading = poller.read('1');
  assert.equal(reading.job?.phase, 'running', 'the last observation is kept');
  assert.match(reading.unknown ?? '', /Slurm is not answering .*Unable to contact slurm controller.*; the job's state is unknown/);
  assert.equal(describeJob(undefined), 'state unknown');
  poller.dispose();
});

test('no Slurm client on PATH: the error says to install one or to switch mlbtc.executor back to local', async () => {
  await assert.rejects(runSlurm('mlbtc-no-such-sbatch', []), (e: unknown) => {
    assert.ok(e instanceof SlurmError);
    assert.equal(e.kind, 'missing');
    assert.match(e.message, /^mlbtc-no-such-sbatch was not found on PATH: install the Slurm client .* or set mlbtc\.executor to "local"/);
    return true;
  });
});
