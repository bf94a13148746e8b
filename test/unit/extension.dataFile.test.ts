/** A missing task.data file flagged on its value while the structure is edited. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { DATA_FILE_CODE, dataFileProblem } from '../../src/extension/editor/dataFileProblem';
import { tempDir } from './runs.helpers';

const work = tempDir('data-file');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const spec = (data: string) =>
  `{\n  "name": "lm",\n  "task": {\n    "kind": "language-model",\n    "data": ${JSON.stringify(data)}\n  }\n}\n`;

describe('the task.data file while editing', () => {
  it('is flagged on its value when it does not exist, relative to the spec folder', () => {
    const text = spec('data/missing.txt');
    const p = dataFileProblem(text, work)!;
    assert.equal(p.code, DATA_FILE_CODE);
    assert.equal(p.severity, 'error');
    assert.deepEqual(p.path, ['task', 'data']);
    assert.equal(text.slice(p.offset, p.offset + p.length), '"data/missing.txt"');
    assert.deepEqual([p.line, p.column], [4, 12]);
    assert.match(
      p.message,
      new RegExp(
        `^task\\.data "data/missing\\.txt" does not exist \\(looked for ${path.join(work, 'data', 'missing.txt').replace(/[.\\/]/g, '\\$&')}\\)`,
      ),
    );
  });

  it('is flagged when it names a folder, and passes for a regular file or no data at all', () => {
    fs.mkdirSync(path.join(work, 'data'), { recursive: true });
    fs.writeFileSync(path.join(work, 'data', 'corpus.txt'), 'hello');
    assert.match(dataFileProblem(spec('data'), work)!.message, /is not a file/);
    assert.equal(dataFileProblem(spec('data/corpus.txt'), work), undefined);
    assert.equal(dataFileProblem('{ "task": { "kind": "icl-regression" } }', work), undefined);
    assert.equal(dataFileProblem('{ "task": ', work), undefined, 'half-typed text');
  });
});
