/**
 * Who controls a search, from its folder alone (src/runs/search/searchControl.ts), and how the CLI says it: a live
 * controller drives it, a ghost's (not renewed) or a dead one's lock leaves it without a controller, and a search
 * stopped on purpose or finished is neither taken over nor driven.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { StructureSpec } from '../../src/core/spec/schema';
import { planSearch } from '../../src/runs/search/plan';
import { describeControl } from '../../src/runs/search/report';
import { searchControl } from '../../src/runs/search/searchControl';
import { createSearchFolder, readSearchState, searchDir, SearchFiles, writeSearchState } from '../../src/runs/search/searchFolder';
import { deadPid, tempDir, tinyRawSpec } from './runs.helpers';

const work = tempDir('search-control');
after(() => fs.rmSync(work, { recursive: true, force: true }));

function newSearch(name: string): { root: string; id: string; lock: string } {
  const root = path.join(work, name);
  const plan = planSearch({
    ...tinyRawSpec({ steps: 10 }, 'grid'),
    search: { strategy: 'grid', space: { 'training.lr': { choice: [1e-3, 2e-3] } } } as unknown as StructureSpec['search'],
  });
  const { id } = createSearchFolder(root, plan, { path: '/w/grid.mlbtc.json', text: '{}' });
  return { root, id, lock: path.join(searchDir(root, id), SearchFiles.lock) };
}

function writeLock(file: string, pid: number, ageMs: number): void {
  const holder = { pid, hostname: os.hostname(), createdAt: new Date().toISOString(), owner: 'search controller (VS Code window (pid 7))' };
  fs.writeFileSync(file, JSON.stringify({ ...holder, staleAfterMs: 12_000 }));
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(file, at, at);
}

describe('searchControl', () => {
  it('a live controller drives it; a ghost or a dead one leaves it without a controller', () => {
    const { root, id, lock } = newSearch('live');
    assert.equal(searchControl(root, id).kind, 'orphaned', 'never driven yet');
    writeLock(lock, 1, 1_000); // pid 1 lives, renewed a second ago
    const driven = searchControl(root, id);
    assert.equal(driven.kind, 'driven');
    assert.equal(describeControl(driven, id), `driven by VS Code window (pid 7) (pid 1 on ${os.hostname()})`);
    writeLock(lock, 1, 60_000); // alive, but not renewed for a minute: a ghost
    assert.equal(searchControl(root, id).kind, 'orphaned');
    writeLock(lock, deadPid(), 0);
    const orphaned = searchControl(root, id);
    assert.equal(orphaned.kind, 'orphaned');
    assert.match(
      describeControl(orphaned, id),
      /without a controller; `mlbtc resume .*`, or an editor window on this folder, continues it/,
    );
  });

  it('stopped on purpose (also before stoppedAt existed: paused trials) or finished: nobody takes it over', () => {
    const { root, id } = newSearch('stopped');
    const state = readSearchState(root, id);
    writeSearchState(root, id, { ...state, stoppedAt: new Date().toISOString() });
    assert.equal(searchControl(root, id).kind, 'stopped');
    assert.match(describeControl(searchControl(root, id), id), /^stopped; `mlbtc resume /);
    const legacy = JSON.parse(fs.readFileSync(path.join(searchDir(root, id), SearchFiles.state), 'utf8')) as Record<string, unknown>;
    delete legacy.stoppedAt;
    fs.writeFileSync(path.join(searchDir(root, id), SearchFiles.state), JSON.stringify({ ...legacy, paused: ['some-run'] }));
    assert.equal(readSearchState(root, id).stoppedAt, null, 'a missing stoppedAt reads as null');
    assert.equal(searchControl(root, id).kind, 'stopped');
    writeSearchState(root, id, { ...readSearchState(root, id), paused: [], finishedAt: new Date().toISOString() });
    assert.equal(searchControl(root, id).kind, 'finished');
  });
});
