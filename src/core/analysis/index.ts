export { analyze } from './analyze';
export { coverageAtoms, featureRank, sequenceRank } from './rank';
export { slidingWindowPairs } from './families';
export type { Analysis, GroupAnalysis, LayerAnalysis, ScoringRank, ScoringSpace } from './types';
