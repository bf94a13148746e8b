// Runs one of the harness's TypeScript entry points in a child `node --import tsx` and exits with its
// code. A child rather than tsx's in-process tsImport(), because modules loaded that way get a
// `?namespace=` suffix on their file name, which breaks esbuild (it locates its binary from its own path).
// Ctrl-C reaches the child directly (same process group); SIGTERM and SIGHUP sent to this wrapper alone are passed
// on, and so is the death of this wrapper's own parent (npm killed: its `sh -c` need not pass signals on).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function runTs(entry, args) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(entry), ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    child.kill('SIGTERM');
  }, 500);
  orphaned.unref();
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
