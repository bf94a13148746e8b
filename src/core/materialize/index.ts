export * from './weights';
export * from './scoring';
