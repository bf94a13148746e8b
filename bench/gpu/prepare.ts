/**
 * Prepares the GPU benchmark (bench/gpu/run.py) where Node is: the device machine has PyTorch but no Node, so the
 * resolved specs, their training FLOPs per step (core analysis) and the reference-style configs are written here,
 * as one JSON file the Python side reads.
 *
 *   node --import tsx bench/gpu/prepare.ts > bench/results/gpu-cases.json
 *   python3 bench/gpu/run.py bench/results/gpu-cases.json          (on the GPU machine)
 *
 * Cases: the paper's character-LM configuration (§5.2: 6 layers, D 256, 4 heads of 64, T 1024, MLR ranks
 * 32|8|6|4|4|4|4|2 with coverage normalisation) and its in-context regression configuration (§5.1: 6 layers, D 256,
 * 8 heads, inputDim 64, T 256, batch 64), each with dense, mlr and bilinear-btt attention.
 */
import { trainingFlopsPerStep } from '../../src/core/analysis/flops';
import { resolveSpec, type ResolvedSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';

const FAMILIES = {
  dense: { kind: 'dense' },
  mlr: { kind: 'mlr', ranks: [32, 8, 6, 4, 4, 4, 4, 2], normalize: 'coverage' },
  'bilinear-btt': { kind: 'bilinear-btt', rank: 1 },
} as const;

/** The ICL model has headDim 32 (D 256 / 8 heads): the MLR ranks are the LM's halved. */
const ICL_MLR = { kind: 'mlr', ranks: [16, 4, 3, 2, 2, 2, 2, 1], normalize: 'coverage' } as const;

interface GpuCase {
  label: string;
  family: keyof typeof FAMILIES;
  spec: ResolvedSpec;
  tokensPerStep: number;
  flopsPerStep: number;
  /** The same model for bench/torch_reference.py, MLR in the reference code's one-T×T-per-level style. */
  reference: Record<string, unknown>;
}

function lm(family: keyof typeof FAMILIES): GpuCase {
  const attention = FAMILIES[family] as StructureSpec['attention'];
  const spec = resolveSpec({
    name: `char-lm-${family}`,
    task: { kind: 'language-model', vocabSize: 96, data: 'examples/data/shakespeare.txt' },
    model: { width: 256, heads: 4, headDim: 64, layers: 6, seqLen: 1024 },
    attention,
    training: { batchSize: 16, lr: 3e-3, warmupSteps: 10 },
  } as unknown as StructureSpec); // schema defaults are filled in by resolveSpec
  return caseOf(`char LM T1024 ${family}`, family, spec, { task: 'lm', vocab: 96 });
}

function icl(family: keyof typeof FAMILIES): GpuCase {
  const attention = (family === 'mlr' ? ICL_MLR : FAMILIES[family]) as StructureSpec['attention'];
  const spec = resolveSpec({
    name: `icl-${family}`,
    task: { kind: 'icl-regression', inputDim: 64 },
    model: { width: 256, heads: 8, layers: 6, seqLen: 256 },
    attention,
    training: { batchSize: 64, lr: 1e-4, warmupSteps: 10 },
  } as unknown as StructureSpec);
  return caseOf(`ICL d64 ${family}`, family, spec, { task: 'icl', inputDim: 64 });
}

function caseOf(label: string, family: keyof typeof FAMILIES, spec: ResolvedSpec, task: Record<string, unknown>): GpuCase {
  const a = spec.layers[0]!.groups[0]!.attention;
  return {
    label,
    family,
    spec,
    tokensPerStep: spec.training.batchSize * spec.model.seqLen,
    flopsPerStep: trainingFlopsPerStep(spec),
    reference: {
      mode: 'train',
      family,
      width: spec.model.width,
      heads: spec.model.heads,
      layers: spec.model.layers,
      seqLen: spec.model.seqLen,
      batch: spec.training.batchSize,
      ...task,
      ...(a.kind === 'mlr' ? { ranks: a.ranks, blockSizes: a.blockSizes, normalize: a.normalize, mlrStyle: 'per-level' } : {}),
      ...(a.kind === 'bilinear-btt' ? { rank: a.rank } : {}),
    },
  };
}

const families = Object.keys(FAMILIES) as (keyof typeof FAMILIES)[];
process.stdout.write(`${JSON.stringify({ cases: [...families.map(lm), ...families.map(icl)] })}\n`);
