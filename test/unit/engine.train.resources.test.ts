/**
 * The resource check (core/analysis/resources.ts): a run that cannot fit in memory is refused before a run folder
 * exists (`mlbtc train`) and by the worker before it builds the model, with the fields to change; the wasm backend's
 * 4 GiB heap bounds it even on a machine with more free memory.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryProblem, trainingMemory, WASM_HEAP_BYTES } from '../../src/core/analysis/resources';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { createRunFolder, readRunStatus } from '../../src/runfolder/runFolder';
import { runJob } from '../../src/engine/train/job';
import { RunFiles, type RunSpecFile } from '../../src/protocol/run';
import { findPython, pythonEnv } from '../crossRuntime/python';
import { mlbtc } from './cli.harness';
import { tempDir, tinySpec } from './runs.helpers';

const found = findPython();

/** A run folder for `raw` as the CLI and the editor create it. */
function createdRun(raw: StructureSpec, name: string): string {
  const dir = path.join(tempDir('resources'), name);
  createRunFolder(dir, { spec: resolveSpec(raw), sourcePath: path.join(dir, '..', `${name}.mlbtc.json`), sourceText: '{}', overrides: {} });
  return dir;
}

/** Valid, within every schema limit, and far beyond any machine: 64 layers of width 4096 over 4096 tokens, 65,536 a batch. */
const hugeRaw = {
  name: 'huge',
  task: { kind: 'icl-regression', inputDim: 1024 },
  model: { width: 4096, heads: 32, layers: 64, seqLen: 4096 },
  attention: { kind: 'dense' },
  training: { steps: 10, batchSize: 65536, backend: 'cpu' },
} as unknown as StructureSpec;

describe('resource check', () => {
  it('names the fields to change when a run needs more than is free, and accepts one that fits', () => {
    const spec = resolveSpec(hugeRaw);
    const problem = memoryProblem(spec, { freeBytes: 16 * 1024 ** 3 });
    assert.match(
      problem ?? '',
      /^training needs about [\d.]+ [TP]iB .*more than the 16\.0 GiB this machine has free\. Lower training\.batchSize \(or set training\.microBatchSize\), model\.seqLen, model\.width or model\.layers\.$/,
    );
    const tiny = tinySpec();
    assert.equal(memoryProblem(tiny, { freeBytes: 16 * 1024 ** 3, backend: 'wasm' }), null);
    // Micro-batches shrink the activations, not the state.
    const micro = { ...spec, training: { ...spec.training, microBatchSize: 1 } };
    assert.ok(trainingMemory(micro).activations < trainingMemory(spec).activations);
    assert.equal(trainingMemory(micro).state, trainingMemory(spec).state);
  });

  it('bounds the wasm backend by its 4 GiB heap, and says so', () => {
    const spec = resolveSpec({
      ...hugeRaw,
      model: { width: 2048, heads: 16, layers: 8, seqLen: 4096 },
      training: { steps: 10, batchSize: 1 },
    } as unknown as StructureSpec);
    const need = trainingMemory(spec).total;
    assert.ok(need > WASM_HEAP_BYTES && need < 64 * 1024 ** 3, `${need}`);
    assert.equal(memoryProblem(spec, { freeBytes: 64 * 1024 ** 3 }), null);
    assert.match(
      memoryProblem(spec, { freeBytes: 64 * 1024 ** 3, backend: 'wasm' }) ?? '',
      /than the 4\.00 GiB the wasm backend can hold .*or train on another backend \(training\.backend\)/,
    );
  });

  it('is run by the worker before the model is built', async () => {
    const dir = path.join(tempDir('resources'), 'run');
    createRunFolder(dir, {
      spec: resolveSpec(hugeRaw),
      sourcePath: path.join(dir, '..', 'huge.mlbtc.json'),
      sourceText: '{}',
      overrides: {},
    });
    const final = await runJob({
      runDir: dir,
      dependencies: {
        buildModel: () => assert.fail('the model must not be built'),
        createTask: () => assert.fail('the task must not be created'),
      },
    });
    assert.equal(final.type, 'failed');
    assert.match((final as { message: string }).message, /^training needs about .* Lower training\.batchSize/);
    assert.equal(readRunStatus(dir).state, 'failed');
  });

  it('is recorded in spec.json by createRunFolder: the estimate the check uses, for a runtime without the analysis', () => {
    const dir = createdRun(hugeRaw, 'recorded');
    const file = JSON.parse(fs.readFileSync(path.join(dir, RunFiles.spec), 'utf8')) as RunSpecFile;
    assert.deepEqual(file.trainingMemory, trainingMemory(resolveSpec(hugeRaw)));
  });

  it(
    'is applied by the PyTorch worker to that record with the same message, before it builds the model',
    { skip: 'skip' in found && found.skip },
    () => {
      const python = (found as { python: string }).python;
      const freeBytes = 16 * 1024 ** 3;
      for (const microBatchSize of [null, 8]) {
        const raw = { ...hugeRaw, training: { ...hugeRaw.training, microBatchSize } } as unknown as StructureSpec;
        const dir = createdRun(raw, `same-message-${microBatchSize}`);
        const script =
          'import json, sys; from mlbtc_torch.resources import memory_problem, recorded_memory; ' +
          'f = json.load(open(sys.argv[1], encoding="utf-8")); ' +
          'print(memory_problem(recorded_memory(f, sys.argv[1]), f["spec"]["training"], int(sys.argv[2]), "this machine has free"))';
        const r = spawnSync(python, ['-c', script, path.join(dir, RunFiles.spec), String(freeBytes)], {
          env: pythonEnv(),
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trimEnd(), memoryProblem(resolveSpec(raw), { freeBytes }));
      }
      // The worker itself: the run fails with that message (against this machine's free memory) and builds nothing.
      const dir = createdRun(hugeRaw, 'torch-worker');
      const r = spawnSync(python, ['-m', 'mlbtc_torch.worker', dir], {
        env: { ...pythonEnv(), MLBTC_TORCH_FAST: '0' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.notEqual(r.status, null, 'the worker ended by itself');
      const status = readRunStatus(dir);
      assert.equal(status.state, 'failed');
      assert.match(status.exitReason ?? '', /^training needs about .* this machine has free\. Lower training\.batchSize/);
    },
  );

  it('is run by `mlbtc train` before a run folder exists', () => {
    const dir = tempDir('resources-cli');
    fs.writeFileSync(path.join(dir, 'huge.mlbtc.json'), JSON.stringify(hugeRaw));
    const r = mlbtc(['train', 'huge.mlbtc.json', '--out', 'run'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^mlbtc train: huge\.mlbtc\.json: training needs about .* Lower training\.batchSize/m);
    assert.ok(!fs.existsSync(path.join(dir, 'run')));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
