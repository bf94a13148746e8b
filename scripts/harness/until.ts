// Waiting for something the workbench, the extension host or a run folder will show: polled, with what was awaited in
// the timeout error. One loop for the e2e tests (driving the browser) and the integration tests (inside the host,
// hence no imports: the integration bundle stays free of the harness's process handling).

/**
 * Resolve with `check()`'s first value that is not undefined or false, polling every `everyMs`; reject after
 * `timeoutMs` naming `what`.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
