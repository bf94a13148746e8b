export { Matrix } from './matrix';
export { DEFAULT_RANK_TOLERANCE, numericalRank, pivotedQrDiagonal } from './rank';
