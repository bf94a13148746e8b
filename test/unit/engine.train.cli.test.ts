/**
 * `mlbtc train` end to end on the built CLI and worker: validation and data errors stop before a run folder exists,
 * overrides land in spec.json, the default run folder sits in the workspace's .mlbtc/runs, Ctrl-C stops with a
 * checkpoint and --resume finishes the run, a forced backend that cannot start fails clearly, bad options exit 2.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunSpec, readRunStatus } from '../../src/runfolder/runFolder';
import { parseMetricLines, RunFiles } from '../../src/protocol/run';
import { tempDir } from './engine.train.fixtures';
import { isProcessAlive } from '../../src/runfolder/process';

const root = path.resolve(__dirname, '../..');
let cli = '';

const tinySpec = (training: object = {}) => ({
  name: 'tiny-icl',
  task: { kind: 'icl-regression', inputDim: 4 },
  model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
  attention: { kind: 'dense' },
  training: {
    steps: 6,
    batchSize: 4,
    warmupSteps: 1,
    logEvery: 2,
    evalEvery: 6,
    evalBatches: 1,
    checkpointEvery: 3,
    backend: 'cpu',
    ...training,
  },
});

function workspace(files: Record<string, string | object>): string {
  const dir = tempDir('cli');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

function train(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'train', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mlbtc train', () => {
  before(() => {
    const out = tempDir('cli-build');
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--only=cli,worker', `--outdir=${out}`], {
      cwd: root,
      stdio: 'pipe',
    });
    cli = path.join(out, 'cli.js');
  });

  it('trains with overrides into --out and records them', () => {
    const ws = workspace({ 'tiny.mlbtc.json': tinySpec() });
    const r = train(ws, 'tiny.mlbtc.json', '--steps', '4', '--seed', '3', '--runtime', 'tfjs', '--out', 'run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^runtime: --runtime is "tfjs"$/m);
    assert.match(r.stdout, /^training on cpu: [\d,]+ parameters, steps 1–4 → /m);
    assert.match(r.stdout, /^step 2\/4 {2}loss [\d.]+ {2}lr [\d.e-]+ {2}[\d,]+ tok\/s {2}ETA \S+$/m, 'plain progress lines off a terminal');
    assert.match(r.stdout, /^eval at step 4: val\.loss /m);
    assert.match(r.stdout, /^completed 4 steps in \S+; run folder /m);
    const run = path.join(ws, 'run');
    const spec = readRunSpec(run);
    assert.deepEqual(spec.overrides, { steps: 4, seed: 3, runtime: 'tfjs' }, 'the runtime chosen is recorded with the overrides');
    assert.equal(spec.spec.training.runtime, 'tfjs');
    assert.equal(spec.spec.training.steps, 4);
    assert.equal(spec.spec.training.seed, 3);
    assert.equal(spec.source.path, path.join(ws, 'tiny.mlbtc.json'));
    assert.equal(spec.source.text, fs.readFileSync(path.join(ws, 'tiny.mlbtc.json'), 'utf8'));
    assert.equal(readRunStatus(run).state, 'completed');
  });

  it('puts the run in .mlbtc/runs of the workspace by default', () => {
    const ws = workspace({ '.git/HEAD': 'ref: x', 'specs/tiny.mlbtc.json': tinySpec({ steps: 2 }) });
    const r = train(path.join(ws, 'specs'), 'tiny.mlbtc.json');
    assert.equal(r.code, 0, r.stderr);
    const runs = fs.readdirSync(path.join(ws, '.mlbtc', 'runs')).filter((n) => !n.startsWith('.'));
    assert.equal(runs.length, 1);
    assert.match(runs[0]!, /^tiny-icl-\d{8}-\d{6}-[0-9a-f]{4}$/);
    assert.equal(readRunStatus(path.join(ws, '.mlbtc', 'runs', runs[0]!)).state, 'completed');
  });

  it('prints located problems of an invalid spec and exits 1 without creating a run', () => {
    const ws = workspace({ 'bad.mlbtc.json': { ...tinySpec(), model: { width: 16, heads: 3, layers: 1, seqLen: 16 } } });
    const r = train(ws, 'bad.mlbtc.json', '--out', 'run');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bad\.mlbtc\.json:\d+:\d+: error: /m);
    assert.match(r.stderr, /is not a valid structure/);
    assert.ok(!fs.existsSync(path.join(ws, 'run')));
  });

  it('reports a data error with file:line and exits 1 before training', () => {
    const rows = [
      'date,a,OT',
      ...Array.from({ length: 60 }, (_, i) => `2020-01-01 ${String(i % 24).padStart(2, '0')}:00:00,${i},${i * 2}`),
    ];
    rows[3] = '2020-01-01 02:00:00,oops,4';
    const ws = workspace({
      'data.csv': `${rows.join('\n')}\n`,
      'f.mlbtc.json': {
        name: 'fc',
        task: { kind: 'forecast', channels: 2, data: 'data.csv', lookback: 12, horizon: 4, split: [0.6, 0.2, 0.2] },
        model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
        attention: { kind: 'dense' },
        training: { steps: 2, batchSize: 2, backend: 'cpu' },
      },
    });
    const r = train(ws, 'f.mlbtc.json', '--out', 'run');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stderr.includes(`${path.join(ws, 'data.csv')}:4:`), r.stderr);
    assert.ok(!fs.existsSync(path.join(ws, 'run')), 'no run folder for unusable data');
  });

  it('fails clearly when a forced backend cannot start', () => {
    const ws = workspace({ 'tiny.mlbtc.json': tinySpec() });
    const r = train(ws, 'tiny.mlbtc.json', '--backend', 'tensorflow', '--out', 'run');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /training\.backend "tensorflow" cannot start: .*not installed/);
    assert.equal(readRunStatus(path.join(ws, 'run')).state, 'failed');
  });

  it('passes a SIGTERM sent to the CLI alone on to its worker: no orphan keeps training', async () => {
    const ws = workspace({ 'tiny.mlbtc.json': tinySpec({ steps: 3000, logEvery: 1, evalEvery: 5000, checkpointEvery: 5000 }) });
    const child = spawn(process.execPath, [cli, 'train', 'tiny.mlbtc.json', '--out', 'run'], {
      cwd: ws,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let signalled = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/^step 3\//m.test(stdout) && !signalled) {
          signalled = true;
          child.kill('SIGTERM'); // the CLI's pid only, as `kill PID` does
        }
      });
      child.on('exit', resolve);
    });
    assert.equal(code, 130, stdout);
    const status = readRunStatus(path.join(ws, 'run'));
    assert.equal(status.state, 'cancelled');
    assert.ok(status.pid !== null && !isProcessAlive(status.pid), `worker ${status.pid} still alive after the CLI exited`);
  });

  it('stops on Ctrl-C with a checkpoint, and --resume finishes the run', async () => {
    const ws = workspace({ 'tiny.mlbtc.json': tinySpec({ steps: 3000, logEvery: 1, evalEvery: 5000, checkpointEvery: 5000 }) });
    const child = spawn(process.execPath, [cli, 'train', 'tiny.mlbtc.json', '--out', 'run'], {
      cwd: ws,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let interrupted = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // Ctrl-C as a terminal sends it: one SIGINT to the whole foreground process group (CLI and worker).
        if (/^step 3\//m.test(stdout) && !interrupted) {
          interrupted = true;
          process.kill(-child.pid!, 'SIGINT');
        }
      });
      child.on('exit', resolve);
    });
    assert.equal(code, 130, stdout);
    const stopped = /stopped after step (\d+) \(checkpoint saved\); continue with: mlbtc train --resume (.+)$/m.exec(stdout);
    assert.ok(stopped, stdout);
    const run = path.join(ws, 'run');
    assert.equal(stopped[2], run);
    assert.equal(readRunStatus(run).state, 'cancelled');
    assert.ok(fs.existsSync(path.join(run, 'checkpoints', `step-${stopped[1]}`)));

    // Resume to the end, shortened: the remaining steps are what the run was configured with, so patch spec.json.
    const specFile = path.join(run, RunFiles.spec);
    const saved = JSON.parse(fs.readFileSync(specFile, 'utf8'));
    saved.spec.training.steps = Number(stopped[1]) + 3;
    fs.writeFileSync(specFile, JSON.stringify(saved));
    const resumed = train(ws, '--resume', 'run');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`steps ${Number(stopped[1]) + 1}–${Number(stopped[1]) + 3}`));
    const steps = parseMetricLines(fs.readFileSync(path.join(run, RunFiles.metrics), 'utf8'))
      .filter((m) => m.kind === 'train')
      .map((m) => m.step);
    assert.deepEqual(
      steps,
      Array.from({ length: Number(stopped[1]) + 3 }, (_, i) => i + 1),
    );
    const again = train(ws, '--resume', 'run');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already completed/);
  });

  it('refuses to resume a run whose status.json is not a status, naming the file', () => {
    const ws = workspace({ 'tiny.mlbtc.json': tinySpec() });
    assert.equal(train(ws, 'tiny.mlbtc.json', '--out', 'run').code, 0);
    const statusFile = path.join(ws, 'run', RunFiles.status);
    fs.writeFileSync(statusFile, '{"version": 1, "state": "paused"');
    const r = train(ws, '--resume', 'run');
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${statusFile}: not valid JSON`), r.stderr);
    fs.writeFileSync(statusFile, JSON.stringify({ ...readRunSpec(path.join(ws, 'run')), version: 1, state: 'paused' }));
    assert.match(train(ws, '--resume', 'run').stderr, /state "paused" is not one of queued, running/);
  });

  it('rejects bad options with the usage and exit 2', () => {
    const ws = workspace({ 'tiny.mlbtc.json': tinySpec() });
    for (const args of [
      ['tiny.mlbtc.json', '--backend', 'gpu'],
      ['tiny.mlbtc.json', '--steps', '0'],
      ['tiny.mlbtc.json', '--resume', 'x'],
      [],
    ]) {
      const r = train(ws, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: mlbtc train FILE/);
    }
    assert.equal(train(ws, 'missing.mlbtc.json').code, 2);
  });
});
