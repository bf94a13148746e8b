/**
 * One writer per run folder, under real concurrency (real processes started together, many rounds per test):
 * of several creators of one folder exactly one wins, of several workers claiming one run exactly one trains; two
 * `mlbtc train --resume DIR` at once train once; a worker refuses a completed run without rewriting it; a resume
 * right after a kill is not refused as "running"; --out refuses stray folders, an empty name and /proc.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMetricLines, RunFiles } from '../../src/protocol/run';
import { createRunFolder, readRunStatus } from '../../src/runfolder/runFolder';
import { observedState } from '../../src/runfolder/liveness';
import { isProcessAlive } from '../../src/runfolder/process';
import { writeStatus } from '../../src/runfolder/statusFile';
import { bundle, repoRoot, tempDir, tinyRawSpec, tinySpec } from './runs.helpers';

let work = '';
let cli = '';
let worker = '';
let raceChild = '';

/** Start `count` contenders together and collect what each printed; stdin closes once all have answered. */
async function race(mode: 'create' | 'claim', dir: string, count: number): Promise<string[]> {
  const start = String(Date.now() + 250);
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [raceChild, mode, dir, start], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const answers = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            if (out.includes('\n')) resolve(out.trim());
          });
          child.on('exit', () => resolve(out.trim()));
        }),
    ),
  );
  await Promise.all(
    children.map(
      (child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.on('exit', resolve), child.stdin.end()))),
    ),
  );
  return answers;
}

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A run folder of the tiny spec, "interrupted" before its first step: resumable by anyone. */
function interruptedRun(steps: number): string {
  const dir = path.join(tempDir('one-writer'), 'run');
  const spec = tinySpec({ steps, logEvery: 1, evalEvery: 1000, checkpointEvery: 1000 });
  createRunFolder(dir, { spec, sourcePath: path.join(dir, '..', 'tiny.mlbtc.json'), sourceText: '{}', overrides: {} });
  writeStatus(dir, { ...readRunStatus(dir), state: 'interrupted', startedAt: new Date().toISOString() });
  return dir;
}

const trainSteps = (dir: string) =>
  parseMetricLines(fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8'))
    .filter((r) => r.kind === 'train')
    .map((r) => r.step);

describe('one writer per run folder', () => {
  before(() => {
    work = tempDir('one-writer-build');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), '--only=cli,worker', `--outdir=${work}`], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
    cli = path.join(work, 'cli.js');
    worker = path.join(work, 'worker.js');
    raceChild = bundle('test/unit/runs.raceChild.ts', work, 'raceChild');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('lets exactly one of several simultaneous creators create a run folder (20 rounds)', async () => {
    for (let round = 0; round < 20; round++) {
      const dir = path.join(tempDir('create-race'), 'run');
      const results = await race('create', dir, 3);
      assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(' | ')}`);
      for (const r of results.filter((x) => x !== 'won')) assert.match(r, /already holds a run|is not empty/);
      assert.equal(readRunStatus(dir).state, 'queued');
    }
  });

  it('lets exactly one of several simultaneous workers claim a run (20 rounds)', async () => {
    for (let round = 0; round < 20; round++) {
      const dir = interruptedRun(5);
      const before = fs.readFileSync(path.join(dir, RunFiles.status), 'utf8');
      const results = await race('claim', dir, 3);
      assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(' | ')}`);
      for (const r of results.filter((x) => x !== 'won')) assert.match(r, /is already running \(pid \d+\)/);
      assert.equal(fs.readFileSync(path.join(dir, RunFiles.status), 'utf8'), before, 'claiming writes no status');
    }
  });

  it('trains once when two `mlbtc train --resume DIR` start together (4 rounds)', async () => {
    for (let round = 0; round < 4; round++) {
      const dir = interruptedRun(30);
      const [a, b] = await Promise.all([run(['train', '--resume', dir], dir), run(['train', '--resume', dir], dir)]);
      const codes = [a.code, b.code].sort();
      assert.deepEqual(codes, [0, 1], `round ${round}:\n${a.stderr}\n${b.stderr}`);
      const loser = a.code === 1 ? a : b;
      assert.match(loser.stderr, /already running \(pid \d+\)|already completed/);
      assert.deepEqual(
        trainSteps(dir),
        Array.from({ length: 30 }, (_, i) => i + 1),
        'each step trained once',
      );
      assert.equal(readRunStatus(dir).state, 'completed');
    }
  });

  it('refuses `worker.js DIR --resume` on a completed run without rewriting it', () => {
    const dir = interruptedRun(5);
    writeStatus(dir, { ...readRunStatus(dir), state: 'completed', step: 5, exitReason: 'completed 5 steps' });
    const before = fs.readFileSync(path.join(dir, RunFiles.status), 'utf8');
    const r = spawnSync(process.execPath, [worker, dir, '--resume'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, RunFiles.status), 'utf8'), before);
    assert.ok(!fs.existsSync(path.join(dir, RunFiles.log)), 'nothing logged into the run folder');
  });

  it('resumes at once after the worker is killed, and records the kill (3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      const ws = tempDir('kill-resume');
      fs.writeFileSync(
        path.join(ws, 'tiny.mlbtc.json'),
        JSON.stringify(tinyRawSpec({ steps: 100000, logEvery: 1, evalEvery: 100000, checkpointEvery: 100000 })),
      );
      const dir = path.join(ws, 'run');
      const first = run(['train', 'tiny.mlbtc.json', '--out', 'run'], ws);
      while (!fs.existsSync(path.join(dir, RunFiles.metrics))) await new Promise((r) => setTimeout(r, 50));
      const pid = readRunStatus(dir).pid!;
      process.kill(pid, 'SIGKILL');
      while (isProcessAlive(pid)) await new Promise((r) => setTimeout(r, 5)); // the signal takes a moment to land
      // At once: the heartbeat is fresh, the pid is dead.
      assert.equal(observedState(readRunStatus(dir)), 'interrupted', `round ${round}`);
      const spec = JSON.parse(fs.readFileSync(path.join(dir, RunFiles.spec), 'utf8'));
      spec.spec.training.steps = 1;
      const killed = await first;
      assert.equal(killed.code, 1);
      const status = readRunStatus(dir);
      assert.equal(status.state, 'interrupted');
      assert.match(status.exitReason ?? '', /killed by SIGKILL/);
      fs.writeFileSync(path.join(dir, RunFiles.spec), JSON.stringify(spec));
      const resumed = await run(['train', '--resume', 'run'], ws);
      assert.doesNotMatch(resumed.stderr, /is running|already running/);
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('refuses --out into a folder holding other files, an empty --out, and /proc without hanging', async () => {
    const ws = tempDir('out');
    fs.writeFileSync(path.join(ws, 'tiny.mlbtc.json'), JSON.stringify(tinyRawSpec({ steps: 1 })));
    fs.mkdirSync(path.join(ws, 'stray', 'checkpoints', 'step-5'), { recursive: true });
    const stray = await run(['train', 'tiny.mlbtc.json', '--out', 'stray'], ws);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /stray is not empty \(checkpoints\) and holds no run/);
    assert.ok(!fs.existsSync(path.join(ws, 'stray', RunFiles.spec)));
    const empty = await run(['train', 'tiny.mlbtc.json', '--out', ''], ws);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--out needs a folder name/);
    const proc = await run(['train', 'tiny.mlbtc.json', '--out', '/proc/mlbtc-x/run'], ws);
    assert.equal(proc.code, 2);
    assert.match(proc.stderr, /cannot create the folder \/proc\/mlbtc-x/);
  });
});
