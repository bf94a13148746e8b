// Paint timings the panels report to the host, read back from the instance's "MLBTC Panels" log (the line format
// is written by src/extension/panels/registerPanels.ts). Used by the panel e2e tests and bench/host.bench.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PaintRecord } from '../../../src/extension/panels/perf';
import { sleep } from '../../../scripts/harness/processes';
import type { Workbench } from './workbench';

const paintLine = /\] (\w+): (first paint|repaint) (\d+) ms after opening, (\d+) ms after the webview loaded, script from (\d+) ms \(drawing ([\d.]+) ms\): (.*)$/;

/** Every paint the extension logged so far, oldest first. */
export function paintsLogged(wb: Workbench): PaintRecord[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('MLBTC Panels.log')) files.push(p);
    }
  };
  const logs = path.join(wb.server.userDataDir, 'logs');
  if (existsSync(logs)) walk(logs);
  const paints: PaintRecord[] = [];
  for (const f of files)
    for (const l of readFileSync(f, 'utf8').split('\n')) {
      const m = paintLine.exec(l);
      if (m) paints.push({ panel: m[1] as PaintRecord['panel'], first: m[2] === 'first paint', sinceOpenMs: Number(m[3]), sinceLoadMs: Number(m[4]), scriptStartMs: Number(m[5]), renderMs: Number(m[6]), content: m[7]! });
    }
  return paints;
}

/** The latest logged paint that `accept`s, waiting for it; the error lists what was painted instead. */
export async function waitForPaint(wb: Workbench, what: string, accept: (p: PaintRecord) => boolean, timeoutMs = 30_000): Promise<PaintRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = paintsLogged(wb).filter(accept).at(-1);
    if (found) return found;
    await sleep(250);
  }
  throw new Error(`no paint of ${what} within ${timeoutMs / 1000} s; painted: ${JSON.stringify(paintsLogged(wb).map((p) => `${p.panel}: ${p.content}`))}`);
}
