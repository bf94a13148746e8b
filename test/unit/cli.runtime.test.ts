/**
 * The runtime on the command line: `mlbtc train --runtime torch` without a Python fails before any run folder is
 * made, saying where it looked; bad --runtime/--device/--precision values are usage errors; `mlbtc devices` reports
 * what it finds (the bundled CLI, as users run it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { initialStatus } from '../../src/protocol/run';
import { createRunFolder } from '../../src/runfolder/runFolder';
import { writeStatus } from '../../src/runfolder/statusFile';
import { examples, mlbtc, scratch } from './cli.harness';

/** An environment in which no Python can be found: no MLBTC_PYTHON, and a PATH of one empty folder. */
function withoutPython(): NodeJS.ProcessEnv {
  const { MLBTC_PYTHON: _python, PATH: _path, ...env } = process.env;
  return { ...env, PATH: scratch() };
}

const icl = path.join(examples, 'icl-dense.mlbtc.json');

describe('mlbtc train --runtime', () => {
  it('torch without a Python: exit 1, where it looked, and no run folder', () => {
    const out = path.join(scratch(), 'run');
    const env = withoutPython();
    const r = mlbtc(['train', icl, '--runtime', 'torch', '--steps', '2', '--out', out], examples, env);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /mlbtc train: --runtime is "torch", but no Python was found \(looked at MLBTC_PYTHON: not set; PATH: no python3 in /,
    );
    assert.match(r.stderr, /nothing was trained/);
    assert.equal(fs.existsSync(out), false);
  });

  it('torch with MLBTC_PYTHON naming a missing interpreter says so', () => {
    const missing = path.join(scratch(), 'no-python');
    const r = mlbtc(['train', icl, '--runtime', 'torch', '--out', path.join(scratch(), 'run')], examples, {
      ...withoutPython(),
      MLBTC_PYTHON: missing,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(`the Python ${missing} (MLBTC_PYTHON) does not exist or cannot run`), r.stderr);
  });

  it('rejects unknown runtimes, devices and precisions as usage errors (exit 2)', () => {
    for (const [option, value, message] of [
      ['--runtime', 'jax', /--runtime must be one of auto, torch, tfjs \(got "jax"\)/],
      ['--device', 'gpu', /--device must be auto, cuda, cuda:N, mps or cpu \(got "gpu"\)/],
      ['--device', 'cuda:x', /--device must be/],
      ['--precision', 'fp16', /--precision must be one of fp32, bf16 \(got "fp16"\)/],
    ] as const) {
      const r = mlbtc(['train', icl, option, value]);
      assert.equal(r.status, 2, `${option} ${value}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('--resume takes --runtime but no other option', () => {
    const r = mlbtc(['train', '--resume', scratch(), '--device', 'cpu']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no other option than --runtime/);
    const auto = mlbtc(['train', '--resume', scratch(), '--runtime', 'auto']);
    assert.equal(auto.status, 2);
    assert.match(auto.stderr, /auto only for a new run/);
  });
});

describe('mlbtc devices', () => {
  it('says no Python was found, where it looked, and that auto picks tfjs', () => {
    const r = mlbtc(['devices'], examples, withoutPython());
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Python: none found\n {4}looked at MLBTC_PYTHON: not set\n {4}looked at PATH: no python3 in /);
    assert.match(r.stdout, /tfjs runtime \(built in\)/);
    assert.match(r.stdout, /training\.runtime "auto" picks: tfjs \(no Python found\)/);
    const json = JSON.parse(mlbtc(['devices', '--json'], examples, withoutPython()).stdout) as {
      search: { found: unknown };
      result: unknown;
    };
    assert.deepEqual([json.search.found, json.result], [null, null]);
  });
});

describe('mlbtc runs', () => {
  it("shows each run's runtime, and a folder from before runtimes with its backend", () => {
    const runs = scratch();
    const spec = resolveSpec(JSON.parse(fs.readFileSync(icl, 'utf8')) as StructureSpec);
    for (const [id, status] of [
      ['torch-run', { runtime: 'torch 2.13.0 · cuda:0 · bf16', backend: 'cuda:0' }],
      ['older-run', { backend: 'wasm' }],
    ] as const) {
      createRunFolder(path.join(runs, id), { spec, sourcePath: icl, sourceText: '', overrides: {} });
      const { runtime: _none, ...older } = initialStatus(10);
      writeStatus(path.join(runs, id), { ...older, ...status, state: 'completed', step: 10, exitReason: 'completed 10 steps' });
    }
    const table = mlbtc(['runs', '--runs', runs]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /ID +STATE +STEP +RUNTIME +STARTED/);
    assert.match(table.stdout, /torch-run +completed +10\/10 +torch 2\.13\.0 · cuda:0 · bf16 /);
    assert.match(table.stdout, /older-run +completed +10\/10 +wasm /);
    const json = JSON.parse(mlbtc(['runs', '--runs', runs, '--json']).stdout) as { id: string; runtime: string | null }[];
    assert.deepEqual(json.map((r) => [r.id, r.runtime]).sort(), [
      ['older-run', null],
      ['torch-run', 'torch 2.13.0 · cuda:0 · bf16'],
    ]);
  });
});
