/**
 * Every problem code validation can report, with what it means. Quick fixes, tests and docs key on these names,
 * so they are stable; the reporter only accepts codes listed here.
 */
export const problemCodes = {
  // Text
  syntax: 'The file is not valid JSON (strict JSON: no comments, no trailing commas).',
  'duplicate-key': 'A property appears twice in one object; JSON keeps only the last one.',
  // Schema layer
  type: 'A value has the wrong JSON type (or is not an integer where one is needed).',
  range: 'A number is outside its allowed range, or a string is empty where it may not be.',
  enum: 'A value is not one of the allowed names (includes an unknown `kind`).',
  items: 'A list has too few or too many items.',
  required: 'A required property is missing.',
  'unknown-property': 'A property the format does not define (often a typo).',
  'too-many-problems': 'Validation stopped listing problems after the limit.',
  // Model and task
  'head-dim': 'heads × headDim must equal width.',
  'icl-seq-len': 'In-context regression needs seqLen = 4 × inputDim.',
  'forecast-seq-len': 'Forecasting needs seqLen = lookback + horizon.',
  'forecast-channels': 'Univariate forecasting (features "S") reads one channel.',
  'split-sum': 'Train/validation/test fractions must sum to at most 1.',
  'curriculum-start': 'A curriculum start value above its final value is clamped (warning).',
  // Attention
  'pattern-length': 'The number of attention.pattern entries must divide model.layers.',
  'group-heads': 'Head-group sizes must sum to model.heads.',
  'rank-wasted': 'A rank above what the block or space can hold buys nothing (warning).',
  'window-covers-all': 'A window that covers every causal pair makes the family dense (warning).',
  'global-local-split': 'The global and local parts of a global-local head must sum to headDim.',
  'ranks-sum': 'MLR and bilinear-MLR ranks must sum to headDim.',
  'dyadic-divisible': 'Dyadic MLR blocks need seqLen divisible by 2^(levels − 1).',
  'block-count': 'MLR blockSizes needs one entry per rank.',
  'block-divides-seqlen': 'Every MLR block size must divide seqLen.',
  'block-ge-rank': 'An MLR block must be at least as long as its level rank.',
  coverage: 'normalize "coverage" needs every causal pair covered by some level.',
  'levels-divide-width': 'Bilinear MLR with L levels needs width divisible by 2^(L − 1).',
  'factors-product': 'BTT factors must multiply to the width they factorise.',
  'preset-or-levels': 'MLBTC attention takes exactly one of preset and levels.',
  'preset-rank': 'The low-rank MLBTC preset needs a rank.',
  'rank-ignored': 'A rank given where nothing reads it (warning).',
  'level-blocks': 'An MLBTC level needs width divisible by its block count.',
  'level-factors': 'An MLBTC level out/in factors must multiply to its block size width / blocks.',
  'kronecker-rank': 'A Kronecker (tied-core) MLBTC level needs rank 1.',
  // Training and search
  'warmup-exceeds-steps': 'Warm-up longer than training: the learning rate never reaches lr (warning).',
  'micro-batch-divides': 'training.microBatchSize must divide training.batchSize.',
  'option-ignored': 'An option that has no effect with the other settings (warning).',
  'search-path': 'A search.space key that names no field of this spec (warning).',
  'range-order': 'A search range whose low end is above its high end.',
  'asha-missing': 'The asha strategy needs an asha block.',
  'budget-order': 'ASHA minBudget must not exceed maxBudget.',
  // Safety net
  internal: 'A bug in the validator itself; please report it with the file.',
} as const;

export type ProblemCode = keyof typeof problemCodes;

/** Codes whose problem is the property name at the path, not its value: located on the key. */
export const keyProblemCodes: ReadonlySet<string> = new Set<ProblemCode>(['unknown-property', 'duplicate-key', 'search-path']);
