/**
 * The tfjs side of the cross-runtime check: for each case (a raw spec and the folder its data paths are relative
 * to), build the model and task exactly as src/engine/train/job.ts does (one Rng(seed), forked for the model, then
 * for the task), take the first training batch, and record
 *   - the resolved spec (the Python side builds from it, so both read one resolution),
 *   - every parameter's initial values, with its name, shape, lr scale and decay flag, in creation order,
 *   - the batch, the task's state and description after drawing it, and the batch of step 2 (which a task restored
 *     from that state must draw: a run checkpointed by one runtime resumes in the other),
 *   - at a non-degenerate point (µP's zero projections would zero almost every gradient, so they and the gains are
 *     perturbed from a separate Rng and the perturbed values recorded): the loss, every gradient (tf.variableGrads)
 *     and the task's evaluation metrics.
 * The cpu backend: plain float32 JavaScript, deterministic.
 *
 * Used in-process by test/unit/runtime.crossCheck.test.ts; from a shell:
 *   node --import tsx test/crossRuntime/tfjsReference.ts cases.json reference.json
 * with cases.json = [{ "name": …, "spec": <raw spec>, "specDir": … }, …]; src/pytorch/mlbtc_torch/crosscheck.py
 * reads reference.json.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../src/core/random';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { buildModel } from '../../src/engine/model';
import { createTask } from '../../src/engine/tasks';
import type { Batch } from '../../src/engine/types';

export interface CrossCase {
  name: string;
  spec: StructureSpec;
  specDir: string;
}

interface TensorDump {
  shape: number[];
  values: number[];
}

interface BatchDump {
  inputs: TensorDump;
  targets: TensorDump;
  mask: TensorDump | null;
  tokens: number;
}

export interface ParamDump extends TensorDump {
  name: string;
  lrScale: number;
  decay: boolean;
}

export interface ReferenceCase {
  name: string;
  specDir: string;
  spec: ReturnType<typeof resolveSpec>;
  initial: ParamDump[];
  batch: BatchDump;
  nextBatch: BatchDump;
  taskState: unknown;
  describe: string;
  /** Parameter values (by name) at which loss, gradients and metrics were taken. */
  point: Record<string, number[]>;
  loss: number;
  gradients: Record<string, number[]>;
  metrics: Record<string, number>;
}

/** Seed of the perturbation stream, apart from the run's seed. */
const PERTURBATION_SEED = 12345;

function dump(t: tf.Tensor): TensorDump {
  return { shape: t.shape, values: Array.from(t.dataSync()) };
}

/** The batch's contents; disposes its tensors. */
function dumpBatch(batch: Batch): BatchDump {
  const out = {
    inputs: dump(batch.inputs),
    targets: dump(batch.targets),
    mask: batch.mask ? dump(batch.mask) : null,
    tokens: batch.tokens,
  };
  tf.dispose([batch.inputs, batch.targets, ...(batch.mask ? [batch.mask] : [])]);
  return out;
}

export async function referenceCase(c: CrossCase): Promise<ReferenceCase> {
  await tf.setBackend('cpu');
  const spec = resolveSpec(c.spec);
  const root = new Rng(spec.training.seed);
  const model = buildModel(spec, root.fork());
  const task = createTask({ spec, specDir: c.specDir, rng: root.fork() });
  const initial = model.params.map((p) => ({ name: p.name, lrScale: p.lrScale, decay: p.decay, ...dump(p.variable) }));
  const batch = task.nextBatch(1);
  const taskState = JSON.parse(JSON.stringify(task.state())) as unknown;

  const perturb = new Rng(PERTURBATION_SEED);
  for (const p of model.params) {
    const values = p.variable.dataSync().slice() as Float32Array;
    const shape = p.variable.shape;
    if (shape.length === 1) for (let i = 0; i < values.length; i++) values[i] = 1 + 0.2 * perturb.normal();
    else if (values.every((v) => v === 0)) for (let i = 0; i < values.length; i++) values[i] = perturb.normal() / Math.sqrt(shape[0]!);
    p.variable.assign(tf.tensor(values, shape));
  }
  const point = Object.fromEntries(model.params.map((p) => [p.name, Array.from(p.variable.dataSync())]));
  const { value, grads } = tf.variableGrads(() => model.loss(batch));
  const gradients = Object.fromEntries(model.params.map((p) => [p.name, Array.from(grads[p.variable.name]!.dataSync())]));
  const loss = value.dataSync()[0]!;
  const metrics = await task.evaluate(model, 1); // draws from the evaluation stream only
  const result: ReferenceCase = {
    name: c.name,
    specDir: c.specDir,
    spec,
    initial,
    batch: dumpBatch(batch),
    nextBatch: dumpBatch(task.nextBatch(2)),
    taskState,
    describe: task.describe(),
    point,
    loss,
    gradients,
    metrics,
  };
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return result;
}

async function main(argv: string[]): Promise<void> {
  const [casesFile, outFile] = argv;
  if (!casesFile || !outFile) throw new Error('usage: node --import tsx test/crossRuntime/tfjsReference.ts cases.json reference.json');
  const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8')) as CrossCase[];
  const results: ReferenceCase[] = [];
  for (const c of cases) results.push(await referenceCase(c));
  fs.writeFileSync(outFile, JSON.stringify(results));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
