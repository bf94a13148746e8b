/**
 * A stand-in for dist/worker.js in the run manager's tests: it is started the same way (RUN_DIR [--resume] on the
 * command line; SIGTERM = checkpoint and stop) and writes its run folder through the real writer (src/runfolder/runFolder.ts), but
 * "trains" by sleeping, so queueing, stopping, reattaching and killing can be tested in milliseconds per step.
 * The loss of step s is a pure function of (seed, s), so a resumed run must reproduce an uninterrupted one exactly.
 *
 * Environment: FIXTURE_STEP_MS (default 20) per step; FIXTURE_IGNORE_SIGTERM=1 to test the kill after a timeout.
 * Bundled by the tests with esbuild (it is not part of the product).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints, readRunSpec, RunFolderWriter } from '../../src/runfolder/runFolder';

const stepMs = Number(process.env.FIXTURE_STEP_MS ?? 20);

export function fixtureLoss(seed: number, step: number): number {
  return 2 + Math.sin(seed * 7.1 + step * 0.37) / (1 + step / 10);
}

function run(runDir: string, resume: boolean): void {
  const spec = readRunSpec(runDir).spec;
  const writer = new RunFolderWriter(runDir);
  const t = spec.training;
  let step = 0;
  if (resume) {
    const last = listCheckpoints(runDir).at(-1);
    if (last) step = (JSON.parse(fs.readFileSync(path.join(last.path, 'state.json'), 'utf8')) as { step: number }).step;
    writer.truncateMetricsAfter(step);
  }
  writer.updateStatus({
    state: 'running',
    pid: process.pid,
    backend: 'fixture',
    startedAt: writer.currentStatus.startedAt ?? new Date().toISOString(),
    step,
    totalSteps: t.steps,
    endedAt: null,
    exitReason: null,
  });
  writer.startHeartbeat(200);
  writer.log('info', `fixture worker pid ${process.pid} ${resume ? `resuming at step ${step}` : 'starting'}`);
  const checkpoint = () => writer.saveCheckpoint(step, (dir) => fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ step })));
  let stopRequested = false;
  if (process.env.FIXTURE_IGNORE_SIGTERM !== '1') process.on('SIGTERM', () => (stopRequested = true));
  else process.on('SIGTERM', () => writer.log('warn', 'ignoring SIGTERM'));

  const next = () => {
    if (stopRequested) {
      checkpoint();
      writer.stopHeartbeat();
      writer.updateStatus({ state: 'cancelled', pid: null, endedAt: new Date().toISOString(), exitReason: 'stopped by SIGTERM' });
      process.exit(0);
    }
    if (step >= t.steps) {
      checkpoint();
      writer.stopHeartbeat();
      writer.updateStatus({ state: 'completed', pid: null, endedAt: new Date().toISOString(), exitReason: `completed ${t.steps} steps` });
      process.exit(0);
    }
    step++;
    if (step % t.logEvery === 0)
      writer.appendMetric({
        kind: 'train',
        step,
        tokens: step * t.batchSize,
        flops: step * 1000,
        wallMs: step * stepMs,
        loss: fixtureLoss(t.seed, step),
        lr: t.lr,
      });
    if (step % t.evalEvery === 0)
      writer.appendMetric({
        kind: 'eval',
        step,
        tokens: step * t.batchSize,
        flops: step * 1000,
        wallMs: step * stepMs,
        'val.loss': fixtureLoss(t.seed, step) + 0.1,
      });
    writer.updateStatus({ step });
    if (step % t.checkpointEvery === 0) checkpoint();
    setTimeout(next, stepMs);
  };
  next();
}

// Only as the worker process itself (`fixture-worker.js RUN_DIR [--resume]`, like dist/worker.js), not when a test
// imports fixtureLoss.
if (require.main === module) {
  const [runDir, ...flags] = process.argv.slice(2);
  if (!runDir) throw new Error('usage: fixture-worker.js RUN_DIR [--resume]');
  run(runDir, flags.includes('--resume'));
}
