/**
 * The training worker (bundled to dist/worker.js): one process runs one job on one run folder, then exits.
 *
 * Starting it:
 *   - forked with an IPC channel (child_process.fork / spawn with 'ipc'): it waits for a StartMessage, then sends
 *     WorkerToHost messages (src/protocol/worker.ts) as it trains;
 *   - without a channel: `node dist/worker.js RUN_DIR [--resume]`.
 * Either way it writes the whole record to the run folder (src/protocol/run.ts), so a host may go away at any time:
 * the worker keeps training and only its live feed stops.
 *
 * Stopping it: a StopMessage, SIGTERM or SIGINT. The current step finishes, a checkpoint is saved, status.json says
 * "cancelled", and the process exits 0; the run can be resumed. A second signal does not hurry it: a half-written
 * checkpoint is never left behind (they are renamed into place), but the step in flight would be lost.
 *
 * Exit status: 0 finished or cancelled, 1 failed, 2 bad invocation.
 */
import { asHostToWorker, type StartMessage, type WorkerToHost } from '../protocol/worker';
import { runJob } from './train/job';

const USAGE = 'usage: node worker.js RUN_DIR [--resume]   (or fork it with an IPC channel and send {type:"start", runDir})';

let stopReason: string | null = null;
const requestStop = (why: string): void => {
  stopReason ??= why;
};

/** IPC messages handed to Node but not yet written to the channel. */
let unsent = 0;

function send(message: WorkerToHost): void {
  // The host may have gone away (its channel closed): the run folder still gets everything.
  if (!process.send || !process.connected) return;
  unsent++;
  process.send(message, undefined, {}, () => unsent--);
}

/** The job to run: from the command line, or the first start message over IPC. */
function startRequest(): Promise<StartMessage> {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    const runDir = args.find((a) => !a.startsWith('--'));
    const unknown = args.filter((a) => a.startsWith('--') && a !== '--resume');
    if (!runDir || unknown.length) return Promise.reject(new Error(`${unknown.length ? `unknown option ${unknown[0]}; ` : ''}${USAGE}`));
    return Promise.resolve({ type: 'start', runDir, resume: args.includes('--resume') });
  }
  if (!process.send) return Promise.reject(new Error(`no run folder given and no IPC channel to receive one; ${USAGE}`));
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown): void => {
      const message = asHostToWorker(raw);
      if (message?.type === 'start') {
        process.off('message', onMessage);
        process.off('disconnect', onDisconnect);
        resolve(message);
      } else if (message?.type === 'stop') {
        requestStop('stop request');
      }
    };
    const onDisconnect = (): void => reject(new Error('the host disconnected before sending a start message'));
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
  });
}

async function main(): Promise<number> {
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // Writing to a host that died must not kill the worker.
  process.on('error', () => undefined);

  let start: StartMessage;
  try {
    start = await startRequest();
  } catch (e) {
    process.stderr.write(`mlbtc worker: ${(e as Error).message}\n`);
    return 2;
  }
  process.on('message', (raw: unknown) => {
    if (asHostToWorker(raw)?.type === 'stop') requestStop('stop request');
  });
  // The IPC channel must not keep the process alive once the job is done.
  (process.channel as { unref?: () => void } | undefined)?.unref?.();

  const final = await runJob({ runDir: start.runDir, resume: start.resume, emit: send, stopRequested: () => stopReason });
  return final.type === 'failed' ? 1 : 0;
}

main().then(
  (code) => exitAfterFlush(code),
  (e: unknown) => {
    process.stderr.write(`mlbtc worker: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    exitAfterFlush(1);
  },
);

/**
 * Exit explicitly: Dawn (the WebGPU backend) keeps the event loop alive forever. IPC sends are asynchronous, so the
 * final message is flushed first (bounded: a host that stopped reading must not keep the worker alive).
 */
function exitAfterFlush(code: number): void {
  const deadline = Date.now() + 2_000;
  const poll = (): void => {
    if (unsent > 0 && process.connected && Date.now() < deadline) setTimeout(poll, 5);
    else process.exit(code);
  };
  poll();
}
