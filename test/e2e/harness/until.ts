// Waiting for something the workbench or a run folder will show: polled, with what was awaited in the timeout error.
import { sleep } from '../../../scripts/harness/processes';

/** Resolve with `check()`'s first value that is not undefined or false; reject after `timeoutMs` naming `what`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}
