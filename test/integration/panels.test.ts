// The three panels in the real editor: each command opens its webview, which loads under its CSP, completes the
// ready handshake and paints (the paint is reported back to the host: mlbtc.panels.perf). The live-losses panel
// reads a run folder written in the run format and repaints when records are appended.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { formatMetricLine, initialStatus, type MetricRecord } from '../../src/protocol/run';
import type { PaintRecord } from '../../src/extension/panels/perf';
import { headGroups, paperMlr } from '../fixtures/structures';
import { activateExtension, waitFor, workspaceUri, writeText } from './util';

async function fixture(name: string, text: string): Promise<vscode.Uri> {
  const uri = workspaceUri(name);
  await writeText(uri, text);
  return uri;
}

before(async () => {
  await activateExtension();
});

afterEach(async () => {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
});

const webviewTabs = (viewType: string) =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType));
const paints = async (panel: PaintRecord['panel']) =>
  ((await vscode.commands.executeCommand<PaintRecord[]>('mlbtc.panels.perf')) ?? []).filter((r) => r.panel === panel);

async function firstPaint(panel: PaintRecord['panel'], after: number): Promise<PaintRecord> {
  return waitFor(`the ${panel} panel's first paint`, async () => (await paints(panel)).slice(after).find((r) => r.first), 30_000);
}

/** Waits for a paint (after the first `after` of this panel) whose content passes `accept`; fails listing what was painted. */
async function paintShowing(
  panel: PaintRecord['panel'],
  after: number,
  what: string,
  accept: (content: string) => boolean,
  timeoutMs = 15_000,
): Promise<PaintRecord> {
  try {
    return await waitFor(what, async () => (await paints(panel)).slice(after).find((r) => accept(r.content)), timeoutMs);
  } catch (e) {
    const seen = (await paints(panel)).slice(after).map((r) => r.content);
    throw new Error(`${(e as Error).message}; the ${panel} panel painted: ${JSON.stringify(seen)}`);
  }
}

describe('Structure diagram panel', () => {
  it('opens for a file, paints, and is reused for the same file', async () => {
    const uri = await fixture('panel-mlr.mlbtc.json', paperMlr);
    const before = (await paints('diagram')).length;
    await vscode.commands.executeCommand('mlbtc.showDiagram', uri);
    const paint = await firstPaint('diagram', before);
    assert.ok(paint.renderMs >= 0 && paint.sinceOpenMs > 0);
    assert.equal(paint.content, 'all 4 heads · mlr, blocks, 8 levels, by rank');
    assert.deepEqual(
      webviewTabs('mlbtc.diagram').map((t) => t.label),
      ['Diagram: panel-mlr.mlbtc.json'],
    );
    await vscode.commands.executeCommand('mlbtc.showDiagram', uri, { group: 0 });
    assert.equal(webviewTabs('mlbtc.diagram').length, 1, 'one panel per file');
  });

  it('follows the file as it is edited, and says what is wrong while it is invalid', async () => {
    const uri = await fixture('panel-live.mlbtc.json', paperMlr);
    const editor = await vscode.window.showTextDocument(uri);
    const before = (await paints('diagram')).length;
    await vscode.commands.executeCommand('mlbtc.showDiagram', uri);
    await paintShowing('diagram', before, 'the 8-level MLR', (c) => c === 'all 4 heads · mlr, blocks, 8 levels, by rank');
    // Two levels of 32 instead of eight.
    const ranks = editor.document.getText().indexOf('[32, 8, 6, 4, 4, 4, 4, 2]');
    await editor.edit((b) =>
      b.replace(
        new vscode.Range(editor.document.positionAt(ranks), editor.document.positionAt(ranks + '[32, 8, 6, 4, 4, 4, 4, 2]'.length)),
        '[32, 32]',
      ),
    );
    await paintShowing('diagram', before, 'the 2-level MLR after the edit', (c) => c === 'all 4 heads · mlr, blocks, 2 levels, by rank');
    // Ranks that no longer sum to the head dimension: the panel names the problem and its line.
    const line = editor.document.positionAt(editor.document.getText().indexOf('[32, 32]')).line + 1;
    await editor.edit((b) =>
      b.replace(
        new vscode.Range(
          editor.document.positionAt(editor.document.getText().indexOf('[32, 32]')),
          editor.document.positionAt(editor.document.getText().indexOf('[32, 32]') + 8),
        ),
        '[32, 31]',
      ),
    );
    await paintShowing('diagram', before, 'the problem', (c) => c.startsWith(`problem at line ${line}: `) && c.includes('64'));
  });

  it('opens for the active structure editor without an argument, at a head group', async () => {
    await vscode.window.showTextDocument(await fixture('panel-groups.mlbtc.json', headGroups));
    const before = (await paints('diagram')).length;
    await vscode.commands.executeCommand('mlbtc.showDiagram', undefined, { group: 1 });
    await paintShowing('diagram', before, 'the dense group drawn', (c) => c.startsWith('heads 4–7 · dense'));
    assert.deepEqual(
      webviewTabs('mlbtc.diagram').map((t) => t.label),
      ['Diagram: panel-groups.mlbtc.json'],
    );
  });
});

/** The trade-offs panel's paint report: "27 points (8 files, 18 candidates, 1 runs), 5 on the front, 1 skipped". */
function tradeoffCounts(
  content: string,
): { points: number; files: number; candidates: number; runs: number; front: number; skipped: number } | undefined {
  const m = /^(\d+) points \((\d+) files, (\d+) candidates, (\d+) runs\), (\d+) on the front, (\d+) skipped$/.exec(content);
  if (!m) return undefined;
  const [points, files, candidates, runs, front, skipped] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return { points, files, candidates, runs, front, skipped };
}

describe('Trade-offs panel', () => {
  const structureFiles = async () => (await vscode.workspace.findFiles('**/*.mlbtc.json', '**/.mlbtc/**')).length;

  it('opens once and paints the workspace structures', async () => {
    const before = (await paints('tradeoffs')).length;
    await vscode.commands.executeCommand('mlbtc.showTradeoffs');
    await firstPaint('tradeoffs', before);
    // Every structure file of the workspace is a file point or, when invalid (other tests edit copies), skipped.
    const files = await structureFiles();
    const paint = await paintShowing('tradeoffs', before, `${files} files as points or skipped`, (c) => {
      const n = tradeoffCounts(c);
      return Boolean(n && n.files + n.skipped === files);
    });
    const n = tradeoffCounts(paint.content)!;
    assert.ok(n.files > 0 && n.front > 0, paint.content);
    assert.equal(n.points, n.files + n.candidates + n.runs);
    await vscode.commands.executeCommand('mlbtc.showTradeoffs');
    assert.equal(webviewTabs('mlbtc.tradeoffs').length, 1);
  });

  it('plots the trials a search block plans as candidates, and says when a search cannot be planned', async () => {
    const searching = (search: unknown) => JSON.stringify({ ...JSON.parse(paperMlr), search }, null, 2);
    // 2 rank splits × 3 learning rates; minRank 100 rejects the single level of rank 64: 3 trials.
    const planned = workspaceUri('panel-search.mlbtc.json');
    const plannedText = searching({
      strategy: 'grid',
      space: { 'attention.ranks': { choice: [[32, 8, 6, 4, 4, 4, 4, 2], [64]] }, 'training.lr': { choice: [0.001, 0.003, 0.01] } },
      constraints: { minRank: 100 },
    });
    // A valid file whose grid (10,001 seeds) is over the planner's cap: plotted as a file, its search skipped.
    const unplannable = workspaceUri('panel-search-too-large.mlbtc.json');
    const unplannableText = searching({ strategy: 'grid', space: { 'training.seed': { int: [1, 10_001] } } });
    try {
      const before = (await paints('tradeoffs')).length;
      await vscode.commands.executeCommand('mlbtc.showTradeoffs');
      const files = await structureFiles();
      const baseline = tradeoffCounts(
        (
          await paintShowing('tradeoffs', before, 'the workspace before the search files', (c) => {
            const n = tradeoffCounts(c);
            return Boolean(n && n.files + n.skipped >= files);
          })
        ).content,
      )!;
      const after = (await paints('tradeoffs')).length;
      await writeText(planned, plannedText);
      await writeText(unplannable, unplannableText);
      const paint = await paintShowing('tradeoffs', after, 'two more files, 3 more candidates, 1 more skipped', (c) => {
        const n = tradeoffCounts(c);
        return Boolean(n && n.files === baseline.files + 2 && n.skipped === baseline.skipped + 1);
      });
      assert.equal(
        tradeoffCounts(paint.content)!.candidates,
        baseline.candidates + 3,
        `before: ${JSON.stringify(baseline)}, now: ${paint.content}`,
      );
    } finally {
      await vscode.workspace.fs.delete(planned);
      await vscode.workspace.fs.delete(unplannable);
    }
  });
});

describe('Live losses panel', () => {
  const position = (step: number) => ({ step, tokens: step * 2048, flops: step * 6e9, wallMs: step * 40 });
  const record = (step: number): MetricRecord => ({ kind: 'train', ...position(step), loss: 4 / Math.sqrt(step), lr: 1e-3 });

  it('shows a run from the runs directory and repaints when records are appended', async () => {
    const run = workspaceUri('.mlbtc', 'runs', 'panel-test-run');
    await writeText(
      vscode.Uri.joinPath(run, 'status.json'),
      JSON.stringify({
        ...initialStatus(1000),
        state: 'running',
        pid: process.pid,
        heartbeat: new Date().toISOString(),
        startedAt: new Date().toISOString(),
        step: 100,
      }),
    );
    const lines =
      Array.from({ length: 100 }, (_, i) => formatMetricLine(record(i + 1))).join('') +
      formatMetricLine({ kind: 'eval', ...position(100), 'val.loss': 0.5 });
    await writeText(vscode.Uri.joinPath(run, 'metrics.jsonl'), lines);

    const before = (await paints('losses')).length;
    await vscode.commands.executeCommand('mlbtc.showLosses');
    await firstPaint('losses', before);
    // The run is shown by default (it is running): train loss and val.loss, to step 100.
    await paintShowing('losses', before, 'train and eval curves to step 100', (c) => c === '2 curves, step to 100');

    await writeText(
      vscode.Uri.joinPath(run, 'metrics.jsonl'),
      lines + Array.from({ length: 50 }, (_, i) => formatMetricLine(record(101 + i))).join(''),
    );
    await paintShowing('losses', before, 'the train curve grown to step 150', (c) => c === '2 curves, step to 150');
    assert.equal(webviewTabs('mlbtc.losses').length, 1);
  });
});
