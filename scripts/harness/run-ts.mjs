// Runs one of the harness's TypeScript entry points in a child `node --import tsx` and exits with its
// code. A child rather than tsx's in-process tsImport(), because modules loaded that way get a
// `?namespace=` suffix on their file name, which breaks esbuild (it locates its binary from its own path).
// Ctrl-C reaches the child directly (same process group); this wrapper only waits for it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function runTs(entry, args) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(entry), ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
