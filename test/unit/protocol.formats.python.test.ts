/**
 * The PyTorch runtime is a second writer of the run folder: everything it writes must read back through the one
 * definition of each format (src/protocol/run.ts, and the checkpoint reader of the tfjs engine) and carry exactly the
 * fields docs/formats.md documents. A real run of `python -m mlbtc_torch.worker` on a tiny spec, then every file
 * checked. Skipped, saying why, only where no Python has torch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { readCheckpoint } from '../../src/engine/train/checkpoint';
import { METRIC_POSITION_KEYS, parseLogLine, parseMetricLine, parseStatus, RunFiles } from '../../src/protocol/run';
import { createRunFolder, listCheckpoints } from '../../src/runfolder/runFolder';
import { findPython, pythonEnv, repoRoot } from '../crossRuntime/python';
import { tempDir } from './engine.train.fixtures';

const found = findPython();

/** The field names of the table under `heading` in docs/formats.md (first column, in backticks). */
function documentedFields(heading: string): string[] {
  const text = fs.readFileSync(path.join(repoRoot, 'docs', 'formats.md'), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/formats.md has a "${heading}" section`);
  const section = text.slice(start + heading.length + 2, text.indexOf('\n#', start + heading.length + 2));
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

describe(
  'formats: what the PyTorch worker writes reads back through the one definition of each format',
  { skip: 'skip' in found && found.skip },
  () => {
    let dir = '';
    before(() => {
      dir = path.join(tempDir('formats-python'), 'run');
      const spec = resolveSpec({
        name: 'formats',
        task: { kind: 'icl-regression', inputDim: 4 },
        model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
        attention: { kind: 'dense' },
        training: { steps: 6, batchSize: 4, logEvery: 2, evalEvery: 3, evalBatches: 1, checkpointEvery: 3 },
      } as unknown as StructureSpec);
      createRunFolder(dir, { spec, sourcePath: path.join(dir, '..', 'formats.mlbtc.json'), sourceText: '{}', overrides: {} });
      const python = (found as { python: string }).python;
      const r = spawnSync(python, ['-m', 'mlbtc_torch.worker', dir], {
        env: { ...pythonEnv(), MLBTC_TORCH_FAST: '0' },
        encoding: 'utf8',
        timeout: 180_000,
      });
      assert.equal(r.status, 0, r.stderr);
    });

    it('status.json: parseStatus accepts it, with exactly the documented fields', () => {
      const text = fs.readFileSync(path.join(dir, RunFiles.status), 'utf8');
      const read = parseStatus(text, 'status.json');
      assert.ok(read.status, read.problem);
      assert.equal(read.status.state, 'completed');
      assert.match(read.status.runtime ?? '', /^torch \d+\.\d+\.\d+ · cpu · fp32$/);
      assert.deepEqual(Object.keys(JSON.parse(text)).sort(), documentedFields('### status.json').sort());
    });

    it('metrics.jsonl: every line is a metric record; train records carry the position keys, then loss and lr', () => {
      const lines = fs.readFileSync(path.join(dir, RunFiles.metrics), 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'every record ends with its newline');
      const records = lines.map((line) => parseMetricLine(line));
      assert.ok(
        records.every((r) => r !== null),
        'every line parses',
      );
      const train = records.filter((r) => r!.kind === 'train');
      assert.deepEqual(
        train.map((r) => r!.step),
        [2, 4, 6],
      );
      for (const r of train) assert.deepEqual(Object.keys(r!), ['kind', ...METRIC_POSITION_KEYS, 'loss', 'lr']);
      assert.deepEqual(
        records.filter((r) => r!.kind === 'eval').map((r) => r!.step),
        [3, 6],
      );
    });

    it('worker.log: every line is a worker log line (time, padded level, message)', () => {
      const lines = fs.readFileSync(path.join(dir, RunFiles.log), 'utf8').trimEnd().split('\n');
      assert.ok(lines.length > 2);
      for (const line of lines) assert.notEqual(parseLogLine(line).level, null, line);
    });

    it('checkpoints: the tfjs engine reads them, and state.json has exactly the documented fields', () => {
      const checkpoints = listCheckpoints(dir);
      assert.deepEqual(
        checkpoints.map((c) => c.step),
        [3, 6],
      );
      const read = readCheckpoint(checkpoints.at(-1)!.path);
      assert.equal(read.meta.step, 6);
      const state = JSON.parse(fs.readFileSync(path.join(checkpoints.at(-1)!.path, 'state.json'), 'utf8')) as object;
      assert.deepEqual(Object.keys(state).sort(), documentedFields('### Checkpoints').sort());
    });
  },
);
