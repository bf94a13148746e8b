// The inline previews and the three panels as a user meets them, in the light and the dark theme: the CodeLens and
// the hover picture over `attention`, the structure diagram (blocks, hover read-out, tensor network, export through
// the save dialog, restoration after a window reload), the trade-offs scatter (click opens the file) and the live
// losses of 50 runs streaming. Screenshots: test-results/panel-*-<theme>.png. Paint timings come from the panels'
// own reports to the host (the "MLBTC Panels" log) and are written to test-results/panels-perf-<theme>.json.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { saveArtifact } from '../../scripts/harness/artifacts';
import { sleep } from '../../scripts/harness/processes';
import { formatMetricLine, initialStatus, type MetricRecord } from '../../src/protocol/run';
import { bilinearMlr, headGroups, paperMlr, twoLevelMlbtc } from '../fixtures/structures';
import { paintsLogged, waitForPaint } from './harness/panelPaints';
import { Workbench, type Theme } from './harness/workbench';

/** The structures these tests open, written into the workspace (examples/ may change; these numbers may not). */
function writeFixtures(workspace: string): void {
  for (const [name, text] of Object.entries({
    'paper-mlr': paperMlr,
    'head-groups-fixture': headGroups,
    'two-level': twoLevelMlbtc,
    'bilinear-mlr-fixture': bilinearMlr,
  })) {
    writeFileSync(path.join(workspace, `${name}.mlbtc.json`), text);
  }
}

const RUNS = 50;
/** Per run: more than four points per pixel column, so every curve is downsampled as a 100,000-point one would be. */
const POINTS = 4000;

/** The webview of the panel whose frame shows `selector` (panels open beside editors, so there may be several). */
async function panelFrame(wb: Workbench, selector: string, timeoutMs = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const count = await wb.page.locator('iframe.webview.ready').count();
    for (let i = 0; i < count; i++) {
      const frame = wb.webview(i);
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    await sleep(250);
  }
  throw new Error(`no webview shows ${selector} within ${timeoutMs / 1000} s`);
}

async function closeAll(wb: Workbench): Promise<void> {
  await wb.runCommand('View: Close All Editor Groups');
  await sleep(500);
}

/** Accept the save dialog's proposed path (VS Code's own dialog in the browser: a quick input holding the path). */
async function acceptSaveDialog(wb: Workbench): Promise<void> {
  const input = wb.quickInput.locator('.quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await sleep(300);
  await wb.page.keyboard.press('Enter');
}

// Loss curves of different speeds with deterministic noise, and an eval every 200 steps.
const rate = (run: number) => 0.0004 + run * 0.00002;
const position = (run: number, step: number) => ({
  step,
  tokens: step * 32 * 1024,
  flops: step * 6 * 5e6 * 32 * 1024,
  wallMs: step * (50 + run),
});
function trainRecord(run: number, step: number): MetricRecord {
  const noise = Math.sin(step * 12.9898 + run * 78.233) * 43758.5453;
  return {
    kind: 'train',
    ...position(run, step),
    loss: 1.2 + 3 * Math.exp(-rate(run) * step) + 0.08 * (noise - Math.floor(noise) - 0.5),
    lr: 3e-3,
  };
}

/** *.mlbtc.json files anywhere in the workspace (outside .mlbtc), as the panel finds them. */
function countStructures(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== '.mlbtc' && e.name !== 'node_modules') n += countStructures(path.join(dir, e.name));
    else if (e.name.endsWith('.mlbtc.json')) n++;
  }
  return n;
}

function writeRuns(workspace: string): string[] {
  const ids: string[] = [];
  const now = Date.now();
  for (let r = 0; r < RUNS; r++) {
    const id = `run-${String(r).padStart(2, '0')}`;
    const dir = path.join(workspace, '.mlbtc', 'runs', id);
    mkdirSync(dir, { recursive: true });
    const started = new Date(now - (RUNS - r) * 60_000).toISOString();
    writeFileSync(
      path.join(dir, 'status.json'),
      JSON.stringify({
        ...initialStatus(10_000),
        state: r < 3 ? 'running' : 'completed',
        pid: r < 3 ? process.pid : null,
        heartbeat: new Date(now).toISOString(),
        startedAt: started,
        step: POINTS,
      }),
    );
    const lines: string[] = [];
    for (let s = 1; s <= POINTS; s++) {
      lines.push(formatMetricLine(trainRecord(r, s)));
      if (s % 200 === 0)
        lines.push(formatMetricLine({ kind: 'eval', ...position(r, s), 'val.loss': 1.3 + 3 * Math.exp(-rate(r) * s) } as MetricRecord));
    }
    writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join(''));
    ids.push(id);
  }
  return ids;
}

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`Inline previews and panels (${theme} theme)`, () => {
    let wb: Workbench;
    before(async () => {
      wb = await Workbench.open({ theme });
      writeFixtures(wb.workspace);
    });
    after(async () => {
      if (wb) saveArtifact(`panels-perf-${theme}.json`, JSON.stringify(paintsLogged(wb), null, 2));
      await wb?.close();
    });

    it('shows the CodeLens above attention and the block picture in the hover', async () => {
      await wb.openFile('paper-mlr.mlbtc.json');
      const lens = wb.page.locator('.codelens-decoration', { hasText: 'score MACs/head' });
      await lens.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await lens.textContent()) ?? '', /rank 808 \/ 1,024 · 40\.3 M score MACs\/head · 5\.03 M params/);
      for (const action of ['Diagram', 'Trade-offs'])
        await wb.page
          .locator('.codelens-decoration a', { hasText: new RegExp(`^${action}$`) })
          .first()
          .waitFor({ state: 'visible' });

      // The key's own token (the line's outer span is the whole one-line attention block): the picture shows on the
      // key, while a field inside keeps its documentation.
      await wb.page
        .locator('.view-line span span', { hasText: /^"?attention"?$/ })
        .first()
        .hover();
      const image = wb.page.locator('.monaco-hover img[src^="data:image/svg+xml;base64,"]').first();
      await image.waitFor({ state: 'visible', timeout: 30_000 });
      // Rendered, not just present: the browser decoded the data: SVG and gave it its size.
      const size = await image.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight]);
      assert.deepEqual(size, [true, 202, 202]);
      await wb.page.locator('.monaco-hover', { hasText: 'score MACs/head' }).first().waitFor({ state: 'visible' });
      await wb.screenshot('panel-lens-hover');
      await wb.page.keyboard.press('Escape');
    });

    it('draws the structure diagram with a hover read-out, and exports CSV, SVG and PNG through the save dialog', async () => {
      await wb.page
        .locator('.codelens-decoration a', { hasText: /^Diagram$/ })
        .first()
        .click();
      const frame = await panelFrame(wb, 'svg rect.block');
      // MLR 32|8|6|4|4|4|4|2 over T = 1024: levels with blocks of at least 1.5 px are drawn block by block.
      assert.ok((await frame.locator('svg rect.block[data-level="0"]').count()) === 1);
      assert.equal(await frame.locator('svg rect.block[data-level="3"]').count(), 8);
      const first = await waitForPaint(wb, 'the diagram', (p) => p.panel === 'diagram' && p.first);
      assert.equal(first.content, 'all 4 heads · mlr, blocks, 8 levels, by rank');

      // Hover near the diagonal: several levels share the pair.
      const box = (await frame.locator('svg rect.hit-area').boundingBox())!;
      await frame.locator('svg rect.hit-area').hover({ position: { x: box.width * 0.52, y: box.height * 0.53 } });
      const tip = frame.locator('.tooltip');
      await tip.waitFor({ state: 'visible' });
      assert.match(
        (await tip.textContent()) ?? '',
        /query i = \d+, key j = \d+.*level 0 · block 1\/1 · 1024×1024 · rank 32 · .*this pair shares \d levels: rank \d+ together/,
      );
      await wb.screenshot('panel-diagram');

      for (const [format, check] of [
        [
          'csv',
          (b: Buffer) =>
            assert.match(
              b.toString('utf8'),
              /^layers,group,kind,space,level,level_label,blocks,block_size,requested_rank,block_rank,block_macs,level_macs,macs_unit\r\n/,
            ),
        ],
        [
          'svg',
          (b: Buffer) => {
            const svg = b.toString('utf8');
            assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
            assert.doesNotMatch(svg, /var\(--/, 'theme colours are resolved');
          },
        ],
        ['png', (b: Buffer) => assert.deepEqual([...b.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])],
      ] as const) {
        const file = path.join(wb.workspace, `paper-mlr.blocks.${format}`);
        await frame.locator(`vscode-button[data-export="${format}"]`).click();
        await acceptSaveDialog(wb);
        await frame
          .locator('.export-status', { hasText: `Saved paper-mlr.blocks.${format}` })
          .waitFor({ state: 'visible', timeout: 15_000 });
        check(readFileSync(file));
      }
    });

    it('shows a bilinear structure as a tensor network', async () => {
      await closeAll(wb);
      await wb.openFile('two-level.mlbtc.json');
      await wb.runCommand('MLBTC: Show Structure Diagram');
      const frame = await panelFrame(wb, 'vscode-radio[data-value="network"]');
      await frame.locator('vscode-radio[data-value="network"]').click();
      await frame.locator('svg g.network').first().waitFor({ state: 'visible' });
      assert.equal(await frame.locator('svg g.network').count(), 2, 'one network per level');
      assert.deepEqual(await frame.locator('svg g.network').first().locator('.core-name').allTextContents(), ['R', 'L']);
      await wb.screenshot('panel-diagram-network');
    });

    it('restores the diagram, at its head group, after a window reload', async () => {
      await closeAll(wb);
      await wb.openFile('head-groups-fixture.mlbtc.json');
      await wb.runCommand('MLBTC: Show Structure Diagram');
      const frame = await panelFrame(wb, '#group-select');
      await frame.locator('#group-select').click();
      await frame
        .locator('#group-select')
        .locator('vscode-option', { hasText: 'heads 4–7 · dense' })
        .click({ force: true })
        .catch(async () => {
          // The dropdown list lives in the select's shadow root.
          await frame.locator('#group-select').evaluate((el: HTMLElement & { value: string }) => {
            el.value = '1';
            el.dispatchEvent(new Event('change'));
          });
        });
      await frame.locator('.group-line', { hasText: 'heads 4–7 · dense' }).waitFor({ state: 'visible' });

      await wb.runCommand('Developer: Reload Window');
      await sleep(3000);
      await wb.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
      const restored = await panelFrame(wb, '.group-line', 90_000);
      await restored.locator('.group-line', { hasText: 'heads 4–7 · dense' }).waitFor({ state: 'visible', timeout: 60_000 });
      assert.equal(await restored.locator('#group-select').evaluate((el: HTMLElement & { value: string }) => el.value), '1');
      await wb.screenshot('panel-diagram-restored');
    });

    it('plots every structure on compute against rank with its Pareto front; a click opens the file', async () => {
      await closeAll(wb);
      await wb.runCommand('MLBTC: Show Trade-offs');
      const frame = await panelFrame(wb, 'svg path.point');
      const structures = countStructures(wb.workspace);
      const report = /^(\d+) points \((\d+) files, (\d+) candidates, \d+ runs\), \d+ on the front, (\d+) skipped$/;
      const paint = await waitForPaint(
        wb,
        'every structure as a point or skipped',
        (p) => p.panel === 'tradeoffs' && report.test(p.content),
      );
      const [points, files, candidates, skipped] = report.exec(paint.content)!.slice(1).map(Number);
      assert.equal(files + skipped, structures);
      assert.equal(await frame.locator('svg path.point').count(), points);
      // The examples' search blocks plan candidates, drawn as their own kind of mark.
      assert.ok(candidates > 0, paint.content);
      assert.equal(await frame.locator('svg path.point.candidate').count(), candidates);
      assert.ok((await frame.locator('svg path.point.front').count()) >= 1);
      // One front per group (task kind × rank space).
      await frame.locator('svg path.front-line').first().waitFor({ state: 'attached' });
      await wb.screenshot('panel-tradeoffs');
      // Hover first: the read-out names the point under the pointer, so a click that would land on another point (or
      // on a chart that is still redrawing) fails here with what is under it, not later with a missing tab.
      const target = frame.locator('svg path.point[data-id$="/paper-mlr.mlbtc.json"]');
      await target.hover();
      await frame
        .locator('.tooltip .tooltip-title', { hasText: /^paper-mlr\.mlbtc\.json$/ })
        .waitFor({ state: 'visible', timeout: 10_000 });
      await target.click();
      await wb.editorTab('paper-mlr.mlbtc.json').waitFor({ state: 'visible', timeout: 15_000 });
    });

    it('streams the losses of 50 runs', async () => {
      await closeAll(wb);
      const ids = writeRuns(wb.workspace);
      await wb.runCommand('MLBTC: Show Live Losses');
      const frame = await panelFrame(wb, '#runs .run');
      // The three running runs are shown by default, train loss and val.loss each.
      await waitForPaint(wb, 'the running runs', (p) => p.panel === 'losses' && p.content === `6 curves, step to ${POINTS}`, 60_000);
      // Show all 50: the last from the keyboard, which keeps its focus while the list updates around it.
      for (const id of ids.slice(3, -1)) await frame.locator(`.run[data-run="${id}"] vscode-checkbox`).click();
      const lastBox = frame.locator(`.run[data-run="${ids.at(-1)}"] vscode-checkbox`);
      await lastBox.focus();
      await wb.page.keyboard.press('Space');
      await waitForPaint(wb, 'all 50 runs', (p) => p.panel === 'losses' && p.content === `${2 * RUNS} curves, step to ${POINTS}`, 120_000);
      assert.ok(await lastBox.evaluate((el) => el === document.activeElement), 'the toggled checkbox kept the keyboard focus');
      await sleep(1000);
      await wb.screenshot('panel-losses');

      // A running run trains on: its curve grows, and only it is sent again.
      const repaintsBefore = paintsLogged(wb).filter((p) => p.panel === 'losses').length;
      const more = Array.from({ length: 100 }, (_, i) => formatMetricLine(trainRecord(0, POINTS + 1 + i))).join('');
      appendFileSync(path.join(wb.workspace, '.mlbtc', 'runs', ids[0]!, 'metrics.jsonl'), more);
      await waitForPaint(
        wb,
        'the streamed records',
        (p) => p.panel === 'losses' && p.content === `${2 * RUNS} curves, step to ${POINTS + 100}`,
        30_000,
      );
      assert.ok(paintsLogged(wb).filter((p) => p.panel === 'losses').length > repaintsBefore);
      // A second batch within the axes' nice bounds: the steady streaming case (settled curves stay a cached bitmap).
      appendFileSync(
        path.join(wb.workspace, '.mlbtc', 'runs', ids[0]!, 'metrics.jsonl'),
        Array.from({ length: 100 }, (_, i) => formatMetricLine(trainRecord(0, POINTS + 101 + i))).join(''),
      );
      const update = await waitForPaint(
        wb,
        'the second batch',
        (p) => p.panel === 'losses' && p.content === `${2 * RUNS} curves, step to ${POINTS + 200}`,
        30_000,
      );
      saveArtifact(`panels-losses-update-${theme}.json`, JSON.stringify(update));

      // The plotted points as CSV, through the save dialog.
      await frame.locator('vscode-button[data-export="csv"]').click();
      await acceptSaveDialog(wb);
      await frame.locator('.export-status', { hasText: 'Saved losses.step.plotted.csv' }).waitFor({ state: 'visible', timeout: 15_000 });
      const csv = readFileSync(path.join(wb.workspace, 'losses.step.plotted.csv'), 'utf8').split('\r\n');
      assert.equal(csv[0], 'run,metric,curve,step,value');
      assert.ok(
        csv.some((row) => row.startsWith(`${ids[0]},loss,ema 0.6,${POINTS + 200},`)),
        'the streamed tail is exported',
      );

      // Hover read-out lists the curves at the pointer.
      const overlay = frame.locator('svg.overlay');
      const box = (await overlay.boundingBox())!;
      await overlay.hover({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
      await frame.locator('.tooltip', { hasText: 'train loss' }).waitFor({ state: 'visible' });
      await wb.screenshot('panel-losses-hover');
    });
  });
}

describe('Panels in a high-contrast theme', () => {
  let wb: Workbench;
  before(async () => {
    wb = await Workbench.open({ theme: 'dark', settings: { 'workbench.colorTheme': 'Default High Contrast' } });
    writeFixtures(wb.workspace);
  });
  after(async () => {
    await wb?.close();
  });

  it('draws the diagram and the trade-offs with contrast borders', async () => {
    await wb.openFile('icl-bilinear-mlr.mlbtc.json');
    await wb.runCommand('MLBTC: Show Structure Diagram');
    const frame = await panelFrame(wb, 'svg rect.block');
    // Every block gets the theme's contrast border (4 levels: 1 + 2 + 4 + 8 blocks).
    const strokes = await frame.locator('svg rect.block').evaluateAll((rects) => rects.map((r) => r.getAttribute('stroke')));
    assert.equal(strokes.length, 15);
    assert.ok(
      strokes.every((s) => s && s !== 'none'),
      JSON.stringify(strokes),
    );
    await wb.screenshot('panel-hc-diagram');
    await closeAll(wb);
    await wb.runCommand('MLBTC: Show Trade-offs');
    await panelFrame(wb, 'svg path.point');
    await sleep(500);
    await wb.screenshot('panel-hc-tradeoffs');
  });
});
