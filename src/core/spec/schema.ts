/**
 * The `*.mlbtc.json` structure language, defined once.
 *
 * These TypeBox definitions are the single source of truth: the TypeScript types are `Static<>` of them, and the
 * JSON Schema that VS Code uses for completion, hover and validation is written from them at build time
 * (scripts/build.mjs → dist/mlbtc.schema.json). Descriptions and examples here are what users read in hovers, so
 * they teach the format. Cross-field rules JSON Schema cannot express live in ../validate.
 *
 * § numbers refer to docs/math.md; docs/choices.md records where we chose between readings.
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';

const PositiveInt = (description: string, extra: object = {}) =>
  Type.Integer({ minimum: 1, description, ...extra });

const IntPair = (description: string, examples: number[][]) =>
  Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })], { description, examples });

const Ranks = (description: string, examples: number[][]) =>
  Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 16, description, examples });

/**
 * Size limits far above anything trainable here (the paper's largest: D 2048, T 1024). They keep every derived
 * count finite and every divisor search (BTT factorisation, block-size fixes) bounded while the user types.
 */
const MaxWidth = 65536;
const MaxSeqLen = 2 ** 20;
const MaxLayers = 1024;

const QkNorm = Type.Boolean({
  default: true,
  description:
    'LayerNorm on queries and keys before scoring (QK-norm, §2.2). The reference runs always use it; turn it off only to study the pure bilinear form.',
});

// ─── Tasks ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const IclRegressionTask = Type.Object(
  {
    kind: Type.Literal('icl-regression'),
    inputDim: PositiveInt('Regression dimension d. Prompts hold 2·d (x, y) pairs, so model.seqLen must be 4·d (§5.1).', {
      examples: [16, 32, 64],
      maximum: MaxSeqLen / 4,
    }),
    noise: Type.Number({ minimum: 0, default: 0, description: 'Standard deviation of Gaussian noise added to y. The reference is noise-free.' }),
    curriculum: Type.Optional(
      Type.Object(
        {
          startDims: PositiveInt('Active input dimensions at step 0.', { default: 4 }),
          startPoints: PositiveInt('(x, y) pairs per prompt at step 0.', { default: 8 }),
          interval: PositiveInt('Steps between curriculum increments.', { default: 2000 }),
          dimsIncrement: Type.Optional(PositiveInt('Dimensions added per increment. Default: the smallest k with startDims + 15·k ≥ inputDim (§5.1).')),
        },
        { additionalProperties: false, description: 'Adaptive curriculum of Garg et al. (§5.1). Omit for the reference defaults; set interval very large to disable.' },
      ),
    ),
  },
  { additionalProperties: false, title: 'In-context linear regression', description: "Garg et al.'s in-context linear regression: x ~ N(0, I/d), w ~ N(0, I), y = xᵀw." },
);

export const LanguageModelTask = Type.Object(
  {
    kind: Type.Literal('language-model'),
    vocabSize: PositiveInt('Vocabulary size of the model: its embedding rows and output logits. With `data`, the file\'s distinct characters take ids 0…n−1 in sorted order, and n must not exceed this value (tinyshakespeare: 65).', {
      default: 96,
      examples: [65, 96],
    }),
    data: Type.Optional(Type.String({ description: 'UTF-8 text file, relative to this spec file. Split 90/10 into train and validation.', examples: ['data/tinyshakespeare.txt'] })),
  },
  { additionalProperties: false, title: 'Character language model', description: 'Next-character prediction on a text file (§5.2). Loss in nats and bits per character.' },
);

export const ForecastTask = Type.Object(
  {
    kind: Type.Literal('forecast'),
    channels: PositiveInt('Channels read in per time step: 1 for features "S", all numeric columns for "M" (7 for ETT).', { examples: [1, 7] }),
    data: Type.Optional(Type.String({ description: 'CSV with a date column and numeric channels (ETT format), relative to this spec file.', examples: ['data/ETTh1.csv'] })),
    dateColumn: Type.String({ default: 'date', description: 'Name of the timestamp column.' }),
    target: Type.String({ default: 'OT', description: 'Target column (the one forecast in "S" mode and reported separately in "M" mode).' }),
    features: Type.Union([Type.Literal('S'), Type.Literal('M')], {
      default: 'M',
      description: '"S": univariate, the target column only. "M": every numeric column in and out.',
    }),
    lookback: PositiveInt('History length L fed to the model.', { examples: [96, 336, 512], maximum: MaxSeqLen }),
    horizon: PositiveInt('Steps H to forecast. model.seqLen must equal lookback + horizon: the model reads L observed steps and H placeholders, and predicts at the placeholders.', {
      examples: [96, 192, 336, 720],
      maximum: MaxSeqLen,
    }),
    split: Type.Union(
      [
        Type.Literal('ett'),
        Type.Tuple([Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Number({ exclusiveMinimum: 0, maximum: 1 })]),
      ],
      {
        default: 'ett',
        description: '"ett": the conventional 12/4/4-month train/validation/test split of the hourly ETT data. Or [train, val, test] fractions summing to at most 1.',
        examples: ['ett', [0.7, 0.1, 0.2]],
      },
    ),
  },
  { additionalProperties: false, title: 'Time-series forecasting', description: 'Multi-step forecasting from a CSV (ETT style); standardised with training statistics; MSE and MAE reported.' },
);

export const Task = Type.Union([IclRegressionTask, LanguageModelTask, ForecastTask], {
  description: 'What the model learns. It decides the input and output heads.',
});

// ─── Model ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const Model = Type.Object(
  {
    width: PositiveInt('Model width D (d_model).', { examples: [128, 256, 512], maximum: MaxWidth }),
    heads: PositiveInt('Attention heads H.', { examples: [4, 8], maximum: MaxWidth }),
    headDim: Type.Optional(PositiveInt('Per-head dimension r. Must equal width / heads (defaults to it).', { examples: [32, 64], maximum: MaxWidth })),
    layers: PositiveInt('Transformer blocks.', { examples: [6], maximum: MaxLayers }),
    seqLen: PositiveInt('Sequence length T (block size). MLR attention runs at exactly this length.', { examples: [256, 1024], maximum: MaxSeqLen }),
    mlpRatio: PositiveInt('MLP hidden width as a multiple of D.', { default: 4, maximum: 64 }),
  },
  { additionalProperties: false, description: 'Pre-LN transformer as the reference builds it: no biases, untied output head, learned positions, GELU MLP.' },
);

// ─── Attention families ────────────────────────────────────────────────────────────────────────────────────────

const LogitScaleMup = Type.Union([Type.Literal('mup'), Type.Literal('standard')], {
  default: 'mup',
  description: '"mup": 8/d (the reference LM default). "standard": 1/√d. They agree at d = 64 (§2.3).',
});

/** Every family, with `heads` added when it is used inside a head group. */
function family<K extends string, P extends TProperties>(kind: K, properties: P, title: string, description: string, examples: object[]) {
  const base = { kind: Type.Literal(kind), ...properties };
  const options = { additionalProperties: false, title, description, examples };
  const groupHeads = PositiveInt('Heads in this group. Group head counts sum to model.heads.');
  return {
    single: Type.Object(base, options),
    group: Type.Object({ heads: groupHeads, ...base }, { ...options, examples: examples.map((e) => ({ heads: 4, ...e })) }),
  };
}

const dense = family(
  'dense',
  {
    qkDim: Type.Optional(PositiveInt('Query/key dimension per head. Defaults to model.headDim.')),
    logitScale: LogitScaleMup,
    qkNorm: QkNorm,
  },
  'Dense (standard multi-head) attention',
  'S_h[i,j] = κ·LN(W_Q x_i)·LN(W_K x_j): a rank-qkDim bilinear form per head (§3.1).',
  [{ kind: 'dense' }],
);

const slidingWindow = family(
  'sliding-window',
  {
    window: Type.Integer({ minimum: 0, description: 'Window w: query i sees keys j with 0 ≤ i − j ≤ w (w + 1 keys).', examples: [128, 512] }),
    logitScale: LogitScaleMup,
    qkNorm: QkNorm,
  },
  'Sliding-window attention',
  'Dense scores restricted to a causal window of w + 1 keys (§3.5).',
  [{ kind: 'sliding-window', window: 512 }],
);

const globalLocal = family(
  'global-local',
  {
    window: Type.Integer({ minimum: 0, description: 'Window w of the local part.', examples: [512] }),
    split: IntPair('[a, b]: the first a head dimensions score globally, the last b within the window. a + b = headDim.', [[32, 32]]),
    qkNorm: QkNorm,
  },
  'Global + sliding-window attention',
  'Two softmaxes, one global over a dims (scale 8/a) and one windowed over b dims (scale 8/b), added; rows sum to 2 as in the reference (§3.5).',
  [{ kind: 'global-local', window: 512, split: [32, 32] }],
);

const mlr = family(
  'mlr',
  {
    ranks: Ranks('Rank r_l of each level, most global first. They sum to model.headDim (§3.4).', [[32, 8, 6, 4, 4, 4, 4, 2], [16, 16]]),
    blockSizes: Type.Union([Type.Literal('dyadic'), Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 16 })], {
      default: 'dyadic',
      description: '"dyadic": T_l = T/2^l. Or one block length per level, each a divisor of seqLen and at least its rank.',
      examples: ['dyadic', [1024, 512, 256, 128, 64, 32, 16, 8]],
    }),
    normalize: Type.Union([Type.Literal('none'), Type.Literal('levels'), Type.Literal('coverage')], {
      default: 'none',
      description: '"none": sum active levels. "levels": divide by L. "coverage": divide each logit by the number of levels covering the pair (the final LM runs; needs every causal pair covered).',
    }),
    qkNorm: QkNorm,
  },
  'Multi-Level Low-Rank attention (sequence)',
  'S_h = Σ_l BlockDiag_{T_l}(Q_l K_lᵀ)/r_l: nearby tokens share more levels, so they get more rank (§3.4).',
  [{ kind: 'mlr', ranks: [32, 8, 6, 4, 4, 4, 4, 2], blockSizes: 'dyadic', normalize: 'coverage' }],
);

const bilinearMlr = family(
  'bilinear-mlr',
  {
    ranks: Ranks('Rank r_l of each feature-space level; level l has 2^l blocks of width D/2^l. They sum to model.headDim (§3.3).', [[8, 8, 8, 8], [16, 8, 4, 4]]),
    logitScale: Type.Union([Type.Literal('standard'), Type.Literal('mup')], {
      default: 'standard',
      description: '"standard": level l scaled by 1/√(r_l·2^l) (ICL runs). "mup": 8/(r_l·2^l) (LM runs).',
    }),
    normalize: Type.Union([Type.Literal('none'), Type.Literal('levels')], { default: 'none', description: '"levels": divide the summed logits by L.' }),
    weightClamp: Type.Boolean({ default: true, description: 'Forward-time RMS clamp of the structured weights (§2.4). Changes dynamics, not the function class.' }),
    qkNorm: QkNorm,
  },
  'Bilinear MLR attention (feature space)',
  'Each head scores with a D×D feature-space MLR matrix Σ_l BlockDiag_{2^l}(Q K ᵀ): higher rank than dense at the same cost (§3.3).',
  [{ kind: 'bilinear-mlr', ranks: [8, 8, 8, 8] }],
);

const bilinearBtt = family(
  'bilinear-btt',
  {
    rank: PositiveInt('BTT rank s.', { default: 1 }),
    factors: Type.Optional(IntPair('[a, b] with a·b = width. Default: b is the smallest divisor of width above √width, as the reference factorises (256 → [8, 32]).', [[8, 32]])),
    logitScale: Type.Union([Type.Literal('standard'), Type.Literal('mup')], { default: 'standard', description: '"standard": 1/√D. "mup": 1/D.' }),
    weightClamp: Type.Boolean({ default: true, description: 'Forward-time RMS clamp of the structured weights (§2.4).' }),
    qkNorm: QkNorm,
  },
  'Bilinear Block Tensor-Train attention',
  'Each head scores x_iᵀ·LN(W_h x_j) with a full-rank D×D BTT matrix W_h (§3.2).',
  [{ kind: 'bilinear-btt', rank: 1 }],
);

export const MlbtcLevel = Type.Object(
  {
    blocks: PositiveInt('Diagonal blocks p at this level; each is m×m with m = width/p.', { examples: [1, 2, 4] }),
    out: IntPair('[a, b]: output factorisation, a·b = m.', [[8, 32]]),
    in: IntPair('[c, d]: input factorisation, c·d = m.', [[8, 32]]),
    rank: PositiveInt('Contraction rank s.', { examples: [1, 2] }),
    kronecker: Type.Boolean({ default: false, description: 'Tie the cores so each block is A ⊗ B (A: a×c, B: b×d). Needs rank 1.' }),
  },
  { additionalProperties: false, description: 'One level: a block-diagonal matrix of p two-core block tensor contractions B[(α,β),(γ,δ)] = Σ_σ R[α,β,γ,σ]·L[σ,β,γ,δ] (§3.6).' },
);

export const MlbtcPreset = Type.Union(
  [Type.Literal('low-rank'), Type.Literal('dense'), Type.Literal('btt'), Type.Literal('monarch'), Type.Literal('kronecker')],
  { description: 'A named special case, expanded into levels: low-rank (needs rank), dense, btt (rank = s), monarch (BTT with s = 1), kronecker.' },
);

const mlbtc = family(
  'mlbtc',
  {
    preset: Type.Optional(MlbtcPreset),
    rank: Type.Optional(PositiveInt('Rank for the low-rank and btt presets.')),
    levels: Type.Optional(Type.Array(MlbtcLevel, { minItems: 1, maxItems: 16, description: 'The levels, summed. Give either levels or a preset.' })),
    logitScale: Type.Union([Type.Literal('standard'), Type.Literal('mup')], { default: 'standard', description: '"standard": 1/√D. "mup": 1/D.' }),
    qkNorm: QkNorm,
  },
  'Multi-Level Block Tensor Contraction attention',
  'The general family: each head scores x_iᵀ·LN(W_h x_j) with W_h a sum of block-diagonal two-core contractions. Low-rank, dense, BTT, Monarch, Kronecker and feature MLR are special cases (§3.6).',
  [{ kind: 'mlbtc', preset: 'btt', rank: 1 }, { kind: 'mlbtc', levels: [{ blocks: 1, out: [8, 32], in: [8, 32], rank: 1 }, { blocks: 4, out: [64, 1], in: [1, 64], rank: 4 }] }],
);

const families = [dense, slidingWindow, globalLocal, mlr, bilinearMlr, bilinearBtt, mlbtc];

export const AttentionKinds = ['dense', 'sliding-window', 'global-local', 'mlr', 'bilinear-mlr', 'bilinear-btt', 'mlbtc'] as const;

export const SingleAttention = Type.Union(
  families.map((f) => f.single),
  { description: 'One structure for every head.' },
);
export const HeadGroup = Type.Union(
  families.map((f) => f.group),
  { description: 'A group of heads with its own structure.' },
);
export const HeadGroups = Type.Array(HeadGroup, {
  minItems: 1,
  description: 'Head groups, each with its own structure; their `heads` sum to model.heads.',
});

/** What one layer's attention is: one family for every head, or head groups. */
export const LayerAttention = Type.Union([SingleAttention, HeadGroups], {
  description: 'One layer\'s attention: one family for every head, or a list of head groups.',
});

export const LayerPattern = Type.Object(
  {
    pattern: Type.Array(LayerAttention, {
      minItems: 1,
      maxItems: MaxLayers,
      description:
        'Per-layer structures: layer ℓ uses entry ℓ mod n, so the entries repeat up to model.layers (n must divide it; ' +
        'n = model.layers lists every layer). Each entry is one family or a list of head groups.',
      examples: [[{ kind: 'dense' }, { kind: 'sliding-window', window: 128 }, { kind: 'sliding-window', window: 128 }]],
    }),
  },
  {
    additionalProperties: false,
    title: 'Per-layer pattern',
    description:
      'Different structures in different layers, e.g. sequential GSWA "MHA|SWA|SWA|MHA|SWA|SWA": ' +
      '[dense, sliding-window, sliding-window] repeated.',
  },
);

export const Attention = Type.Union([SingleAttention, HeadGroups, LayerPattern], {
  description:
    'The scoring function: one family for every head, a list of head groups, or { "pattern": [...] } with one such ' +
    'entry per layer (repeated to model.layers). `kind` picks the family.',
});

// ─── Training ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The tfjs backends a run can ask for, "auto" first and then in the order auto tries them: the one list the schema,
 * the CLI's --backend, the engine and the mlbtc.backend setting (checked by a test against package.json) share.
 */
export const TFJS_BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

/** training.device "cuda:N". The schema layer does not check string patterns, so validation applies it itself. */
export const CUDA_INDEX_PATTERN = '^cuda:[0-9]+$';

export const Training = Type.Object(
  {
    steps: PositiveInt('Optimiser steps.', { default: 2000 }),
    batchSize: PositiveInt('Sequences per step.', { default: 16, examples: [16, 64] }),
    microBatchSize: Type.Union([PositiveInt('Sequences per forward/backward pass.'), Type.Null()], {
      default: null,
      description:
        'Gradient accumulation: each step runs batchSize/microBatchSize passes of microBatchSize sequences and averages their gradients, the same update in less memory (the reference LM runs use 4 × 8). Must divide batchSize. null: one pass of the whole batch.',
      examples: [null, 4, 16],
    }),
    lr: Type.Number({ exclusiveMinimum: 0, default: 1e-3, description: 'Base learning rate, scaled per tensor by µP (base width below).', examples: [1e-4, 3e-3] }),
    warmupSteps: Type.Integer({ minimum: 0, default: 100, description: 'Linear warm-up steps (reference: 1000 ICL, 2000 LM).' }),
    schedule: Type.Union([Type.Literal('constant'), Type.Literal('cosine')], { default: 'constant', description: 'After warm-up: constant (the reference) or cosine decay to minLrRatio·lr.' }),
    minLrRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.1, description: 'Final rate of the cosine schedule, as a fraction of lr.' }),
    weightDecay: Type.Number({ minimum: 0, default: 0, description: 'AdamW decoupled weight decay, applied to tensors of two or more dimensions.' }),
    beta1: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.9 }),
    beta2: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.95 }),
    eps: Type.Number({ exclusiveMinimum: 0, default: 1e-8, description: 'Adam epsilon. The reference uses 1e-20; 1e-8 is safer in float32.' }),
    gradClip: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { default: 1, description: 'Global gradient-norm clip, or null for none (reference: 1.0 LM, none ICL).' }),
    mupBaseWidth: PositiveInt('µP base width W₀: matrix learning rates are lr·W₀/fan_in (§2.4).', { default: 768 }),
    seed: Type.Integer({ minimum: 0, default: 0, description: 'Seed for initialisation and data.' }),
    logEvery: PositiveInt('Steps between metric records.', { default: 10 }),
    evalEvery: PositiveInt('Steps between evaluations.', { default: 200 }),
    evalBatches: PositiveInt('Batches per evaluation.', { default: 8 }),
    checkpointEvery: PositiveInt('Steps between checkpoints (at most two are kept).', { default: 500 }),
    backend: Type.Union(TFJS_BACKENDS.map((b) => Type.Literal(b)), {
      default: 'auto',
      description: '"auto" picks the fastest that starts: tfjs-node(-gpu), WebGPU, wasm, cpu. A forced backend that cannot start is an error.',
    }),
    runtime: Type.Union([Type.Literal('auto'), Type.Literal('torch'), Type.Literal('tfjs')], {
      default: 'auto',
      description:
        'What trains the run: "torch" (PyTorch in a Python found through mlbtc.python, MLBTC_PYTHON, the Python extension or python3 on PATH), "tfjs" (the built-in TensorFlow.js worker), or "auto": torch when a Python with torch ≥ 2.1 is found, else tfjs. A forced runtime that cannot start is an error. The choice is recorded in the run, so resume uses it again.',
    }),
    device: Type.Union([Type.Literal('auto'), Type.Literal('cuda'), Type.String({ pattern: CUDA_INDEX_PATTERN, title: '"cuda:N"', description: 'One CUDA device by index.' }), Type.Literal('mps'), Type.Literal('cpu')], {
      default: 'auto',
      description: 'PyTorch device: "auto" (the first CUDA device, else MPS, else cpu), "cuda", "cuda:N", "mps" or "cpu". The tfjs runtime ignores it (it has training.backend).',
      examples: ['auto', 'cuda:0', 'cpu'],
    }),
    precision: Type.Union([Type.Literal('fp32'), Type.Literal('bf16')], {
      default: 'fp32',
      description: 'PyTorch arithmetic: "fp32", or "bf16" autocast (float32 weights and optimiser state). The tfjs runtime always trains in float32.',
    }),
  },
  { additionalProperties: false, description: 'Optimisation: AdamW (β 0.9/0.95) with µP learning rates, warm-up, and gradient clipping, in float32 (§2.4–2.5).' },
);

// ─── Search ────────────────────────────────────────────────────────────────────────────────────────────────────

export const SearchDimension = Type.Union(
  [
    Type.Object(
      { choice: Type.Array(Type.Unknown(), { minItems: 1, description: 'Values to try, each a complete value for the field (numbers, strings, lists, whole objects).' }) },
      { additionalProperties: false, title: 'Choice', description: 'One of the listed values. Grid search tries each; random search draws one uniformly.', examples: [{ choice: [1, 2, 4] }] },
    ),
    Type.Object(
      { int: IntPair('[low, high], inclusive.', [[2, 8]]), step: Type.Optional(PositiveInt('Step between values, from low (default 1).')) },
      { additionalProperties: false, title: 'Integer range', description: 'Integers low, low + step, … up to high. Grid search tries each; random search draws one uniformly.', examples: [{ int: [2, 8], step: 2 }] },
    ),
    Type.Object(
      { logUniform: Type.Tuple([Type.Number({ exclusiveMinimum: 0 }), Type.Number({ exclusiveMinimum: 0 })], { description: '[low, high] for rates.' }) },
      {
        additionalProperties: false,
        title: 'Log-uniform range',
        description: 'A positive number drawn uniformly in log scale (random, asha). A grid search tries low, the geometric mean and high; list other values with choice.',
        examples: [{ logUniform: [1e-4, 1e-2] }],
      },
    ),
    Type.Object(
      {
        rankSplits: Type.Object(
          {
            levels: Type.Union([PositiveInt('Levels L.'), Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, description: 'Several level counts: the splits of each.' })], {
              description: 'How many ranks (levels) to split into: one count, or a list of counts.',
            }),
            multipleOf: PositiveInt('Each rank is a multiple of k.', { default: 1 }),
          },
          { additionalProperties: false },
        ),
      },
      {
        additionalProperties: false,
        title: 'Rank splits',
        description: 'Every ordered split of model.headDim into L positive ranks, each a multiple of multipleOf (most global level first), for the ranks of mlr or bilinear-mlr. E.g. headDim 16, L 2, k 4: [12,4], [8,8], [4,12].',
        examples: [{ rankSplits: { levels: 4, multipleOf: 4 } }],
      },
    ),
    Type.Object(
      { factorizations: Type.Literal('width', { description: 'Every [a, b] with a·b = model.width.' }) },
      { additionalProperties: false, title: 'Factorisations', description: 'Every [a, b] with a·b = model.width, a ascending: for bilinear-btt factors.', examples: [{ factorizations: 'width' }] },
    ),
    Type.Object(
      { dyadicBlocks: Type.Literal(true, { description: 'Every dyadic block schedule for the current ranks.' }) },
      {
        additionalProperties: false,
        title: 'Dyadic block schedules',
        description:
          'For mlr blockSizes: every strictly decreasing list of block sizes seqLen/2^e (one per rank of the sibling "ranks"), each at least its level\'s rank. The standard dyadic schedule seqLen, seqLen/2, … comes first.',
        examples: [{ dyadicBlocks: true }],
      },
    ),
  ],
  { description: 'A search dimension: a choice list, an integer range, a log-uniform range, or a structure-aware generator.' },
);

const Budget = (description: string) => Type.Number({ exclusiveMinimum: 0, description });

export const Search = Type.Object(
  {
    space: Type.Record(Type.String(), SearchDimension, {
      description:
        'Dimensions keyed by the dotted path of the spec field they set, e.g. "attention.ranks", "training.lr", "attention.1.heads" (head group 1). Generators that depend on other fields (rankSplits on model.headDim, dyadicBlocks on the ranks) see the values the other dimensions chose.',
      examples: [{ 'attention.ranks': { rankSplits: { levels: 4, multipleOf: 4 } }, 'training.lr': { logUniform: [1e-4, 1e-2] } }],
    }),
    strategy: Type.Union([Type.Literal('grid'), Type.Literal('random'), Type.Literal('asha')], {
      default: 'grid',
      description:
        '"grid": every combination. "random": `trials` seeded draws. "asha": asynchronous successive halving: trials start at the smallest budget and only the best 1/eta of each rung continue to the next.',
    }),
    trials: Type.Optional(PositiveInt('Trials to draw (random and asha; asha without it uses every grid combination). Invalid or over-budget draws are skipped, not counted.')),
    seed: Type.Integer({ minimum: 0, default: 0, description: 'Seed of the random draws: the same seed plans the same trials.' }),
    objective: Type.String({
      default: 'val.loss',
      minLength: 1,
      description: 'Metric to minimise, as metrics.jsonl names it: "val.loss" (every task), "val.bpc", "val.mse", or "loss" (the training loss). Read from the last record that has it.',
      examples: ['val.loss', 'val.bpc'],
    }),
    constraints: Type.Optional(
      Type.Object(
        {
          maxMacsPerToken: Type.Optional(Budget('Forward MACs per token (projections, MLP, output head; analyze() macs.perToken).')),
          maxMacsPerSequence: Type.Optional(Budget('Forward MACs of one whole sequence, attention scores included (macs.perSequence).')),
          maxScoreMacsPerSequence: Type.Optional(Budget('Attention-score MACs of one sequence over every head and layer (layers · heads · macs.scoresPerHead).')),
          maxParams: Type.Optional(Budget('Total trainable parameters.')),
          minRank: Type.Optional(PositiveInt('Minimum scoring rank of every head (the lowest group, analyze() rank.scoring).')),
        },
        { additionalProperties: false, description: 'Candidates that break a constraint are planned out, with the measured value as the reason.' },
      ),
    ),
    asha: Type.Optional(
      Type.Object(
        {
          unit: Type.Union([Type.Literal('steps'), Type.Literal('tokens')], {
            default: 'steps',
            description: 'Budgets in optimiser steps, or in training tokens (converted to steps at batchSize · seqLen tokens per step).',
          }),
          minBudget: PositiveInt('Budget of the first rung.'),
          maxBudget: PositiveInt('Budget of the last rung. Rungs are minBudget · eta^k, then maxBudget.'),
          eta: Type.Integer({ minimum: 2, default: 3, description: 'Keep 1/eta of the trials at each rung.' }),
        },
        { additionalProperties: false, description: 'Rungs for strategy "asha". A promoted trial continues from its checkpoint, not from scratch.' },
      ),
    ),
    maxConcurrent: Type.Optional(PositiveInt('Trials running at once (default: mlbtc.maxConcurrentRuns).')),
  },
  { additionalProperties: false, description: 'A structure search over this spec under compute constraints.' },
);

// ─── The file ──────────────────────────────────────────────────────────────────────────────────────────────────

export const StructureSpec = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1, description: 'A short name for this structure or experiment.', examples: ['mlr-char-lm'] }),
    description: Type.Optional(Type.String()),
    task: Task,
    model: Model,
    attention: Attention,
    training: Type.Optional(Training),
    search: Type.Optional(Search),
  },
  {
    additionalProperties: false,
    $id: 'https://mlbtc.studio/schema/mlbtc.schema.json',
    title: 'MLBTC structure',
    description: 'A structured-attention transformer: task, model, attention structure, and optionally training and search settings.',
  },
);

export type StructureSpec = Static<typeof StructureSpec>;
export type TaskSpec = Static<typeof Task>;
export type ModelSpec = Static<typeof Model>;
export type AttentionSpec = Static<typeof Attention>;
export type SingleAttentionSpec = Static<typeof SingleAttention>;
export type LayerAttentionSpec = Static<typeof LayerAttention>;
export type LayerPatternSpec = Static<typeof LayerPattern>;
export type AttentionKind = (typeof AttentionKinds)[number];
export type MlbtcLevelSpec = Static<typeof MlbtcLevel>;
export type MlbtcPreset = Static<typeof MlbtcPreset>;
export type TrainingSpec = Static<typeof Training>;
export type SearchSpec = Static<typeof Search>;
export type SearchDimensionSpec = Static<typeof SearchDimension>;

/** The JSON Schema document written to dist/mlbtc.schema.json. */
export function jsonSchema(): object {
  return withDefaultsOptional(JSON.parse(JSON.stringify(StructureSpec))) as object;
}

/**
 * TypeBox lists a property with a `default` as required, but in a file it is optional: resolution fills it in.
 * Without this, VS Code's JSON service would flag every omitted default ("Missing property qkNorm").
 */
function withDefaultsOptional(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDefaultsOptional);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withDefaultsOptional(v);
  const props = out.properties as Record<string, object> | undefined;
  if (Array.isArray(out.required) && props) {
    out.required = (out.required as string[]).filter((k) => !(props[k] && 'default' in props[k]));
    if ((out.required as string[]).length === 0) delete out.required;
  }
  return out;
}

