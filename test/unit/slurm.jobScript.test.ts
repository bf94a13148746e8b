import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JOB_RUN_DIR, jobScript, SETUP_BEGIN, SETUP_END } from '../../src/runs/slurm/jobScript';
import { workerCommand } from '../../src/runs/slurm/workerCommand';
import { shellQuote } from '../../src/runs/slurm/shellQuote';
import { checkSlurmSettings, SlurmSettingsError } from '../../src/runs/slurm/settings';

const NASTY = ["it's", 'a b', '$(touch pwned)', '`id`', 'line\nbreak', '"dq" \\ back', '*', '-n'];

test('shellQuote: bash reads every nasty value back unchanged', () => {
  for (const value of NASTY) {
    const echoed = execFileSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
    assert.equal(echoed, value);
  }
});

test('the job script: #SBATCH lines from the settings, set-up lines verbatim and marked, the worker exec-ed', () => {
  const script = jobScript({
    settings: {
      partition: 'gpu',
      account: 'proj-1',
      qos: 'normal',
      time: '1:00:00',
      gpus: 2,
      cpus: 8,
      mem: '16G',
      setup: ['module load cuda/12', 'conda activate "ml env"'],
      signalSeconds: 90,
    },
    runDirs: ['/runs/a'],
    worker: workerCommand('tfjs', {}, { tfjsWorker: '/opt/dist/worker.js', pytorchPath: '/opt/src/pytorch' }),
    name: 'tiny',
  });
  const sbatch = script.split('\n').filter((l) => l.startsWith('#SBATCH '));
  assert.deepEqual(sbatch, [
    '#SBATCH --job-name=mlbtc-tiny',
    '#SBATCH --partition=gpu',
    '#SBATCH --account=proj-1',
    '#SBATCH --qos=normal',
    '#SBATCH --time=1:00:00',
    '#SBATCH --gres=gpu:2',
    '#SBATCH --cpus-per-task=8',
    '#SBATCH --mem=16G',
    '#SBATCH --ntasks=1',
    '#SBATCH --signal=B:TERM@90',
    '#SBATCH --requeue',
    '#SBATCH --open-mode=append',
  ]);
  assert.ok(script.includes(`${SETUP_BEGIN}\nmodule load cuda/12\nconda activate "ml env"\n${SETUP_END}`));
  assert.match(script, /\nexport ELECTRON_RUN_AS_NODE='1'\nexec 'node' '\/opt\/dist\/worker.js' "\$RUN_DIR" '--resume'\n$/);
  assert.ok(!script.includes('--array'));
});

test('a job array: --array with the throttle, each task picks its run folder', () => {
  const script = jobScript({
    settings: {},
    runDirs: ['/r/t0', '/r/t1', '/r/t2'],
    worker: workerCommand('torch', {}, { tfjsWorker: '/x/dist/worker.js', pytorchPath: '/x/src/pytorch' }),
    name: 's',
    throttle: 2,
  });
  assert.ok(script.includes('#SBATCH --array=0-2%2\n'));
  assert.ok(script.includes(`export PYTHONUNBUFFERED='1'\nexport PYTHONPATH='/x/src/pytorch'"\${PYTHONPATH:+:$PYTHONPATH}"\n`));
  assert.ok(script.endsWith("\nexec 'python3' '-m' 'mlbtc_torch.worker' \"$RUN_DIR\" '--resume'\n"));
});

test('run folders, names and commands with quotes, spaces, $(...) and newlines reach the worker unchanged', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-jobscript-'));
  try {
    const dirs = NASTY.slice(0, 6).map((n, i) => {
      const d = path.join(tmp, `${i} ${n}`);
      fs.mkdirSync(d);
      return d;
    });
    // A fake worker that records its argv and cwd in the run folder.
    const recorder = path.join(tmp, "rec'ord $(x).sh");
    fs.writeFileSync(recorder, '#!/bin/bash\nprintf "%s\\0" "$PWD" "$@" > "$1/argv"\n', { mode: 0o755 });
    const script = jobScript({
      settings: {},
      runDirs: dirs,
      worker: { argv: [recorder, JOB_RUN_DIR, '--resume'], env: { ODD: NASTY.join('|') } },
      name: 'evil\n#SBATCH --wrap=x $(id)',
    });
    assert.equal(script.split('\n').filter((l) => l.startsWith('#SBATCH')).length, 6);
    dirs.forEach((dir, task) => {
      execFileSync('bash', ['-c', script], {
        env: {
          ...process.env,
          SLURM_ARRAY_TASK_ID: String(task),
          SLURM_JOB_ID: '7',
        },
      });
      const [cwd, ...argv] = fs.readFileSync(path.join(dir, 'argv'), 'utf8').split('\0').slice(0, -1);
      assert.equal(fs.realpathSync(cwd!), fs.realpathSync(dir));
      assert.deepEqual(argv, [dir, '--resume']);
      assert.match(fs.readFileSync(path.join(dir, 'worker.log'), 'utf8'), /^mlbtc: Slurm job 7 on /);
    });
    assert.deepEqual(
      fs.readdirSync(tmp, { recursive: true }).filter((f) => String(f).endsWith('pwned')),
      [],
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a run folder the node cannot write ends the job with a message naming it', () => {
  const script = jobScript({
    settings: {},
    runDirs: ['/nonexistent/mlbtc run'],
    worker: { argv: ['true', JOB_RUN_DIR], env: {} },
    name: 'x',
  });
  try {
    execFileSync('bash', ['-c', script], {
      stdio: 'pipe',
      env: { ...process.env, SLURM_JOB_ID: '7' },
    });
    assert.fail('the script should fail');
  } catch (e) {
    assert.equal((e as { status: number }).status, 3);
    assert.match(String((e as { stderr: Buffer }).stderr), /the run folder \/nonexistent\/mlbtc run is not writable from node /);
  }
});

test('settings: plain values pass; anything that could break an #SBATCH line is refused with its setting named', () => {
  const where = (k: string) => `mlbtc.slurm.${k}`;
  assert.deepEqual(
    checkSlurmSettings(
      {
        partition: 'gpu',
        gpus: 1,
        extraArgs: ['--exclusive'],
        setup: ['module load x'],
      },
      where,
    ),
    {
      partition: 'gpu',
      gpus: 1,
      extraArgs: ['--exclusive'],
      setup: ['module load x'],
    },
  );
  assert.throws(
    () => checkSlurmSettings({ partition: 'gpu\n#SBATCH --x' }, where),
    /mlbtc\.slurm\.partition: .* is not a plain Slurm value/,
  );
  assert.throws(() => checkSlurmSettings({ account: 'a b' }, where), SlurmSettingsError);
  assert.throws(() => checkSlurmSettings({ gpus: 1.5 }, where), /mlbtc\.slurm\.gpus: should be a whole number/);
  assert.throws(
    () => checkSlurmSettings({ extraArgs: ['exclusive'] }, where),
    /mlbtc\.slurm\.extraArgs\[0\]: "exclusive" is not an sbatch option/,
  );
  assert.throws(() => checkSlurmSettings({ setup: ['a\nb'] }, where), /mlbtc\.slurm\.setup\[0\]: one shell line per item/);
  assert.throws(() => checkSlurmSettings({ partitoin: 'x' }, where), /mlbtc\.slurm\.partitoin: unknown Slurm setting/);
});
