// The study views and Compare Families in the real editor (issue #10): MLBTC: Show Study opens a runs folder's study
// and paints one series per attention family; MLBTC: Compare Families writes the matched-compute set of structures,
// each a valid structure file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
// The JSON-value validator: the text one brings jsonc-parser, whose UMD build the test bundle cannot load.
import { validate } from '../../src/core/validate/validate';
import type { PaintRecord } from '../../src/extension/panels/perf';
import { formatMetricLine, initialStatus, RunFiles } from '../../src/protocol/run';
import { createRunFolder } from '../../src/runfolder/runFolder';
import { writeSpec } from './runsFixtures';
import { activateExtension, waitFor, workspaceUri } from './util';

const paints = async () =>
  ((await vscode.commands.executeCommand<PaintRecord[]>('mlbtc.panels.perf')) ?? []).filter((r) => r.panel === 'study');

/** A completed run of `attention` in the run format, its last eval at `valLoss`. */
function completedRun(runsDir: string, name: string, attention: Record<string, unknown>, valLoss: number): void {
  const spec = resolveSpec({
    name,
    task: { kind: 'icl-regression', inputDim: 4 },
    model: { width: 16, heads: 2, layers: 1, seqLen: 16 },
    attention,
    training: { steps: 20, batchSize: 4 },
  } as unknown as StructureSpec);
  const dir = path.join(runsDir, name);
  createRunFolder(dir, { spec, sourcePath: path.join(runsDir, `${name}.mlbtc.json`), sourceText: '{}', overrides: {} });
  const position = (step: number) => ({ step, tokens: step * 64, flops: step * 1e6, wallMs: step * 10 });
  const metrics = [10, 20].map((step) => formatMetricLine({ kind: 'train', ...position(step), loss: valLoss + 0.1, lr: 1e-3 }));
  metrics.push(formatMetricLine({ kind: 'eval', ...position(20), 'val.loss': valLoss }));
  fs.writeFileSync(path.join(dir, RunFiles.metrics), metrics.join(''));
  const now = new Date().toISOString();
  const status = { ...initialStatus(20), state: 'completed', step: 20, startedAt: now, endedAt: now, exitReason: 'completed 20 steps' };
  fs.writeFileSync(path.join(dir, RunFiles.status), JSON.stringify(status));
}

describe('Studies', function () {
  this.timeout(60_000);
  before(async () => {
    await activateExtension();
  });
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Show Study of a runs folder paints one series per family', async () => {
    const runsDir = workspaceUri('.mlbtc', 'study-test').fsPath;
    completedRun(runsDir, 'dense', { kind: 'dense' }, 0.9);
    completedRun(runsDir, 'mlr', { kind: 'mlr', ranks: [4, 2, 2] }, 0.7);
    const before = (await paints()).length;
    await vscode.commands.executeCommand('mlbtc.showStudy', { runsDir, searchIds: [] });
    const paint = await waitFor('the study to paint its runs', async () =>
      (await paints()).slice(before).find((p) => /2 series/.test(p.content)),
    );
    assert.match(paint.content, /^\w+: 2 series, 2 points$/);
  });

  it('Compare Families writes one valid structure per family that fits the task, at the budget', async () => {
    const uri = await writeSpec(
      'compare-base.mlbtc.json',
      JSON.stringify({
        name: 'compare-base',
        task: { kind: 'language-model', vocabSize: 96, data: 'data/text.txt' },
        model: { width: 64, heads: 2, layers: 2, seqLen: 64 },
        attention: { kind: 'dense' },
      }),
    );
    const outDir = workspaceUri('compare-out').fsPath;
    const files = await vscode.commands.executeCommand<string[]>('mlbtc.compareFamilies', { uri, budget: 4e5, unit: 'macs', outDir });
    assert.ok(files && files.length >= 2, `files written: ${JSON.stringify(files)}`);
    for (const file of files) {
      const { problems, spec } = validate(JSON.parse(fs.readFileSync(file, 'utf8')));
      assert.ok(spec, `${file}: ${problems.map((p) => p.message).join('; ')}`);
    }
  });
});
