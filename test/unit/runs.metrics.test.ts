import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { describeSkipped, forEachMetric, lastMetric, MetricsTail } from '../../src/runs/metrics';
import type { MetricRecord } from '../../src/protocol/run';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-runs-metrics-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
const file = (content: string) => {
  const f = path.join(tmp, `m${counter++}.jsonl`);
  fs.writeFileSync(f, content);
  return f;
};

const train = (step: number, loss = 1 / step): MetricRecord => ({
  kind: 'train',
  step,
  tokens: step * 64,
  flops: step * 1e6,
  wallMs: step * 3,
  loss,
  lr: 1e-3,
});
const line = (r: MetricRecord) => `${JSON.stringify(r)}\n`;
const collect = (f: string) => {
  const records: MetricRecord[] = [];
  const report = forEachMetric(f, (r) => void records.push(r));
  return { records, report };
};

describe('streaming metrics.jsonl', () => {
  it('skips torn and garbage lines with their line numbers, keeps every other record in order, ignores an unfinished last line', () => {
    const f = file(
      line(train(1)) +
        '{"kind":"train","st\n' +
        line(train(2)) +
        'not json at all\n\n' +
        '{"kind":"other","step":3}\n' +
        line(train(3)) +
        '{"kind":"train","step":4,"tok',
    );
    const { records, report } = collect(f);
    assert.deepEqual(
      records.map((r) => r.step),
      [1, 2, 3],
    );
    assert.equal(report.records, 3);
    assert.equal(report.skippedCount, 3);
    assert.deepEqual(
      report.skipped.map((s) => s.line),
      [2, 4, 6],
    );
    const warnings = describeSkipped('metrics.jsonl', report);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /^metrics\.jsonl:2: skipped a line that is not a metric record: "\{\\"kind\\":\\"train\\",\\"st"$/);
  });

  it('reads lines that cross chunk boundaries, including multi-byte characters split between chunks', () => {
    // ~150 KB of records whose eval field holds multi-byte text, so some chunk boundary falls inside a character.
    const written: MetricRecord[] = [];
    let text = '';
    for (let step = 1; text.length < 150_000; step++) {
      const r = { kind: 'eval', step, tokens: step, flops: step, wallMs: step, note: 'λ→µ€'.repeat(step % 17) } as MetricRecord;
      written.push(r);
      text += line(r);
    }
    const { records, report } = collect(file(text));
    assert.equal(report.skippedCount, 0);
    assert.deepEqual(records, written);
  });

  it('a missing file has no records', () => {
    assert.deepEqual(collect(path.join(tmp, 'absent.jsonl')).records, []);
    assert.equal(lastMetric(path.join(tmp, 'absent.jsonl')), null);
  });
});

describe('lastMetric reads from the end', () => {
  it('returns the last complete valid record, skipping an unfinished line and garbage', () => {
    assert.equal(lastMetric(file(line(train(1)) + line(train(2)) + '{"kind":"tr'))?.step, 2);
    assert.equal(lastMetric(file(line(train(1)) + line(train(2)) + 'garbage\n'))?.step, 2);
    assert.equal(lastMetric(file('\n\n' + line(train(7))))?.step, 7);
    assert.equal(lastMetric(file('{"kind":"train"')), null);
    assert.equal(lastMetric(file('')), null);
  });

  it('finds records across many chunks, with a predicate', () => {
    let text = line({ kind: 'eval', step: 1, tokens: 1, flops: 1, wallMs: 1, 'val.loss': 2.5 });
    for (let s = 2; s < 5000; s++) text += line(train(s));
    const f = file(text + '{"partial');
    assert.equal(lastMetric(f)?.step, 4999);
    const ev = lastMetric(f, (r) => r.kind === 'eval');
    assert.equal(ev?.step, 1);
    assert.equal(ev?.['val.loss' as never], 2.5);
  });

  it('handles a single line longer than a read chunk', () => {
    const long = { kind: 'eval', step: 9, tokens: 0, flops: 0, wallMs: 0, blob: 'x'.repeat(200_000) } as MetricRecord;
    assert.equal(lastMetric(file(line(train(1)) + line(long)))?.step, 9);
  });
});

describe('MetricsTail', () => {
  it('reports only appended records, completes a partial line later, and re-reads a replaced file as a reset', () => {
    const f = file(line(train(1)));
    const tail = new MetricsTail(f);
    assert.deepEqual(
      tail.poll().records.map((r) => r.step),
      [1],
    );
    const half = line(train(2));
    fs.appendFileSync(f, half.slice(0, 10));
    assert.deepEqual(tail.poll().records, []);
    fs.appendFileSync(f, half.slice(10) + line(train(3)));
    const update = tail.poll();
    assert.equal(update.reset, false);
    assert.deepEqual(
      update.records.map((r) => r.step),
      [2, 3],
    );

    // A resumed worker replaces the file (atomic rename) with the records up to its checkpoint.
    const replacement = `${f}.new`;
    fs.writeFileSync(replacement, line(train(1)) + line(train(2)));
    fs.renameSync(replacement, f);
    const reset = tail.poll();
    assert.equal(reset.reset, true);
    assert.deepEqual(
      reset.records.map((r) => r.step),
      [1, 2],
    );

    // Shortened in place also counts as a reset.
    fs.writeFileSync(f, line(train(1)));
    const shorter = tail.poll();
    assert.equal(shorter.reset, true);
    assert.deepEqual(
      shorter.records.map((r) => r.step),
      [1],
    );
  });

  it('costs one stat and no reads when nothing is new', () => {
    const f = file(line(train(1)) + line(train(2)));
    const tail = new MetricsTail(f);
    tail.poll();
    // Count file opens and reads through the module object every caller goes through.
    const real = { openSync: fs.openSync, readSync: fs.readSync };
    let calls = 0;
    const mutableFs = require('node:fs') as { openSync: typeof fs.openSync; readSync: typeof fs.readSync };
    mutableFs.openSync = ((...args: Parameters<typeof fs.openSync>) => (calls++, real.openSync(...args))) as typeof fs.openSync;
    mutableFs.readSync = ((...args: Parameters<typeof fs.readSync>) => (
      calls++,
      (real.readSync as (...a: unknown[]) => number)(...args)
    )) as typeof fs.readSync;
    try {
      for (let i = 0; i < 5; i++) assert.deepEqual(tail.poll().records, []);
      assert.equal(calls, 0);
      // Control: the counting does see the tail's reads once there is something to read.
      fs.appendFileSync(f, line(train(3)));
      calls = 0;
      assert.deepEqual(
        tail.poll().records.map((r) => r.step),
        [3],
      );
      assert.ok(calls >= 2);
    } finally {
      Object.assign(mutableFs, real);
    }
  });

  it('fromEnd starts after the existing records but still completes a line being written', () => {
    const half = line(train(3));
    const f = file(line(train(1)) + line(train(2)) + half.slice(0, 5));
    const tail = new MetricsTail(f, { fromEnd: true });
    assert.deepEqual(tail.poll().records, []);
    fs.appendFileSync(f, half.slice(5) + 'junk\n');
    const update = tail.poll();
    assert.deepEqual(
      update.records.map((r) => r.step),
      [3],
    );
    // Line numbers are unknown after skipping; the byte offset locates the bad line instead.
    assert.equal(update.report.skipped[0]!.line, null);
    assert.equal(update.report.skipped[0]!.offset, fs.statSync(f).size - 'junk\n'.length);
  });

  it('a file that appears later is read from its start; one that disappears is a reset', () => {
    const f = path.join(tmp, 'later.jsonl');
    const tail = new MetricsTail(f, { fromEnd: true });
    assert.deepEqual(tail.poll(), { records: [], reset: false, report: { records: 0, skipped: [], skippedCount: 0 } });
    fs.writeFileSync(f, line(train(1)));
    assert.deepEqual(
      tail.poll().records.map((r) => r.step),
      [1],
    );
    fs.rmSync(f);
    assert.equal(tail.poll().reset, true);
  });
});
