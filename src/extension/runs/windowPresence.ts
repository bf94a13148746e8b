/**
 * Whether this window is there. An extension host can outlive its window: code-server and Remote-SSH keep it for
 * minutes after the connection drops (a closed laptop, a killed browser), and its timers go on running, but nothing
 * it asks of the window is answered any more. So presence is measured by a round trip: every PROBE_MS the window is
 * asked to set a context key, and the window is present while the last answer is recent. The run queue and the
 * searches this window drives renew their locks only while it is present (lock.ts heartbeat), so a present window
 * takes them over from a ghost within seconds.
 */
import * as vscode from 'vscode';
import { OWNER_HEARTBEAT } from '../../runfolder/lock';

const PROBE_MS = OWNER_HEARTBEAT.everyMs;
/** Three probes without an answer: the window is gone (an answer takes milliseconds, seconds on a loaded machine). */
const ABSENT_AFTER_MS = 3 * PROBE_MS;

export class WindowPresence implements vscode.Disposable {
  private lastAnswer = Date.now();
  private pending = false;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.probe(), PROBE_MS);
    this.timer.unref();
  }

  /** True while the window answered within the last few probes. */
  readonly isPresent = (): boolean => Date.now() - this.lastAnswer < ABSENT_AFTER_MS;

  private probe(): void {
    if (this.pending) return; // an unanswered probe stays pending until the window is back; never pile them up
    this.pending = true;
    // setContext runs in the window: its promise settles only when the window answers.
    void Promise.resolve(vscode.commands.executeCommand('setContext', 'mlbtc.windowPresent', true)).then(
      () => this.answered(),
      () => this.answered(), // an error is an answer too
    );
  }

  private answered(): void {
    this.pending = false;
    this.lastAnswer = Date.now();
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
