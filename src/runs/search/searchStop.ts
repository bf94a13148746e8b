/**
 * A stop request for a whole search through its folder (searches/<id>/stop, one line naming who asked), so that a
 * window or process that does not drive the search can stop the one that does, whoever that is: the driving
 * controller sees it between passes (SearchController.run) and ends its loop; the requester then takes the
 * controller lock and pauses the active trials itself. Driving the search again removes the request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { searchDir, SearchFiles } from './searchFolder';

const stopFile = (root: string, id: string) => path.join(searchDir(root, id), SearchFiles.stop);

export function requestSearchStop(root: string, id: string, by: string): void {
  fs.writeFileSync(stopFile(root, id), `${by}\n`);
}

/** Who asked the search to stop, or null. */
export function searchStopRequestOf(root: string, id: string): string | null {
  try {
    return fs.readFileSync(stopFile(root, id), 'utf8').trim() || 'a stop request';
  } catch {
    return null;
  }
}

export function clearSearchStop(root: string, id: string): void {
  fs.rmSync(stopFile(root, id), { force: true });
}
