/**
 * The studio's costs as VS Code itself reports them, in the real host: code-server 4.100.3 in headless chromium
 * (the e2e harness). Prints tables; asserts nothing.
 *
 * - Activation: the "Activation" time VS Code shows for MLBTC Studio in Developer: Show Running Extensions (code
 *   loading + activate(), as the extension host measured it), after opening a *.mlbtc.json file. Target < 100 ms.
 * - Panels: each panel's first paint as the panel reports it (see src/extension/panels/perf.ts): from the panel's
 *   creation to content on screen, split into VS Code creating the webview, the document and bundle loading, and our
 *   own work (handshake, host snapshot, drawing). Target < 500 ms.
 *
 * Each sample is a fresh server and browser: the structure file is opened, then the three panels in turn, so the
 * diagram is the window's first webview and the others are not (in this host every webview after a window's first
 * spends about a second loading before its script runs; the table shows where).
 * It measures the production (minified) bundle, built first.
 *
 *   node --import tsx bench/host.bench.ts [--samples N]   (default 3)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PaintRecord } from '../src/extension/panels/perf';
import { waitForPaint } from '../test/e2e/harness/panelPaints';
import { Workbench } from '../test/e2e/harness/workbench';
import { median } from './measure';
import { printMarkdownTable } from './table';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '3' } }, strict: false });
const samples = Number(values.samples);

interface Sample {
  activationMs: number;
  paints: PaintRecord[];
}

/** VS Code's activation time for the extension, read from the Running Extensions editor ("Activation: 42ms"). */
async function activationTime(wb: Workbench): Promise<number> {
  await wb.runCommand('Developer: Show Running Extensions');
  const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'mlbtc.mlbtc-studio' });
  const text = await row.locator('.activation-time').first().innerText({ timeout: 30_000 });
  const m = /(\d+)\s*ms/.exec(text);
  if (!m) throw new Error(`no activation time in "${text}"`);
  return Number(m[1]);
}

const panels = [
  { kind: 'diagram', command: 'MLBTC: Show Structure Diagram' },
  { kind: 'tradeoffs', command: 'MLBTC: Show Trade-offs' },
  { kind: 'losses', command: 'MLBTC: Show Live Losses' },
] as const;

async function sample(): Promise<Sample> {
  const wb = await Workbench.open({ theme: 'dark' });
  try {
    await wb.openFromExplorer('icl-dense.mlbtc.json');
    await wb.waitForActivation();
    const activationMs = await activationTime(wb);
    const paints: PaintRecord[] = [];
    await wb.openFromExplorer('icl-dense.mlbtc.json');
    for (const { kind, command } of panels) {
      await wb.runCommand(command);
      paints.push(await waitForPaint(wb, `the ${kind} panel`, (p) => p.panel === kind && p.first, 60_000));
    }
    return { activationMs, paints };
  } finally {
    await wb.close();
  }
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--minify'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the minified build failed');
  const results: Sample[] = [];
  for (let i = 0; i < samples; i++) {
    results.push(await sample());
    console.error(`sample ${i + 1}/${samples}: activation ${results.at(-1)!.activationMs} ms`);
  }
  console.log(`\nReal host (code-server 4.100.3, headless chromium), ${samples} fresh instances, minified bundle; medians, ms.\n`);
  const acts = results.map((r) => r.activationMs);
  printMarkdownTable(['measure', 'median', 'samples'], [['activation (VS Code\'s "Activation")', String(median(acts)), acts.join(', ')]]);
  console.log();
  printMarkdownTable(
    [
      'panel first paint',
      'total',
      'VS Code creates the webview',
      'document + bundle load',
      'ours: handshake, snapshot, drawing',
      'of which drawing',
    ],
    panels.map(({ kind }) => {
      const ps = results.map((r) => r.paints.find((p) => p.panel === kind)!);
      const m = (f: (p: PaintRecord) => number) => median(ps.map(f)).toFixed(0);
      return [
        kind,
        m((p) => p.sinceOpenMs),
        m((p) => p.sinceOpenMs - p.sinceLoadMs),
        m((p) => p.scriptStartMs),
        m((p) => p.sinceLoadMs - p.scriptStartMs),
        m((p) => p.renderMs),
      ];
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
