// Paint timings the panels report to the host, read back from the instance's "MLBTC Panels" log (the line format
// is src/extension/panels/perf.ts's paintLogLine). Used by the panel e2e tests and bench/host.bench.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parsePaintLogLine, type PaintRecord } from '../../../src/extension/panels/perf';
import { sleep } from '../../../scripts/harness/processes';
import type { Workbench } from './workbench';

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
      const paint = parsePaintLogLine(l);
      if (paint) paints.push(paint);
    }
  return paints;
}

/** The latest logged paint that `accept`s, waiting for it; the error lists what was painted instead. */
export async function waitForPaint(
  wb: Workbench,
  what: string,
  accept: (p: PaintRecord) => boolean,
  timeoutMs = 30_000,
): Promise<PaintRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = paintsLogged(wb).filter(accept).at(-1);
    if (found) return found;
    await sleep(250);
  }
  throw new Error(
    `no paint of ${what} within ${timeoutMs / 1000} s; painted: ${JSON.stringify(paintsLogged(wb).map((p) => `${p.panel}: ${p.content}`))}`,
  );
}
