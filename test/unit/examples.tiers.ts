/** The two tiers of examples/ that tests iterate (not a test file). */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const examplesRoot = path.join(__dirname, '..', '..', 'examples');

/** examples/ trains on a laptop CPU in minutes; examples/paper/ holds the same names at the paper's settings. */
export const exampleTiers = [
  { tier: 'trainable', dir: examplesRoot },
  { tier: 'paper', dir: path.join(examplesRoot, 'paper') },
] as const;

export interface ExampleFile {
  /** Folder of the spec: relative data paths resolve against it. */
  dir: string;
  /** File name, e.g. icl-dense.mlbtc.json. */
  file: string;
  /** Path relative to examples/, e.g. paper/icl-dense.mlbtc.json, for messages. */
  label: string;
}

/** The *.mlbtc.json files of one folder, sorted. */
export function specFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.mlbtc.json'))
    .sort();
}

/** Every example spec of both tiers. */
export function allExamples(): ExampleFile[] {
  return exampleTiers.flatMap(({ dir }) =>
    specFiles(dir).map((file) => ({ dir, file, label: path.relative(examplesRoot, path.join(dir, file)) })),
  );
}
