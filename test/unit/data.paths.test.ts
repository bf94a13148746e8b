/**
 * The rules for task data files (src/data/dataRoots.ts): a regular file, symlinks resolved, under the spec's
 * workspace or an allowed folder (MLBTC_DATA_ROOTS), within the size limit (MLBTC_DATA_MAX_MB); a FIFO and
 * /dev/urandom are refused without blocking. And the text loader's compact encoding gives the ids it always gave.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDataFile, DataError } from '../../src/data/dataError';
import { loadCharacterCorpus, type LmTask } from '../../src/data/characterCorpus';
import { tempDir } from './runs.helpers';

/** A workspace (marked by .git) with the spec folder `specs/` inside it, and a folder outside it. */
function layout() {
  const base = tempDir('data-paths');
  const ws = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(ws, '.git'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'specs', 'data'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
  fs.writeFileSync(path.join(ws, 'data.txt'), 'in the workspace\n');
  return { base, ws, specs: path.join(ws, 'specs'), outside };
}

const read = (specDir: string, data: string, env: NodeJS.ProcessEnv = {}) =>
  readDataFile(specDir, data, 'language-model', 'a UTF-8 text file', env);

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => e instanceof DataError && pattern.test(e.message), String(pattern));
}

describe('task data paths', () => {
  it('reads files anywhere under the workspace root, not only beside the spec', () => {
    const { specs } = layout();
    assert.equal(read(specs, '../data.txt').bytes.toString(), 'in the workspace\n');
  });

  it('refuses a file outside the workspace, naming task.data and the allowed folders, unless its folder is allowed', () => {
    const { ws, specs, outside } = layout();
    const real = fs.realpathSync(ws);
    refused(
      () => read(specs, '../../outside/secret.txt'),
      new RegExp(
        `task\\.data \\("\\.\\./\\.\\./outside/secret\\.txt"\\) is .*secret\\.txt, outside the folders data may come from \\(${real}\\).*mlbtc\\.dataRoots \\(MLBTC_DATA_ROOTS`,
      ),
    );
    assert.equal(
      read(specs, '../../outside/secret.txt', { MLBTC_DATA_ROOTS: ['/nonexistent', outside].join(path.delimiter) }).bytes.toString(),
      'secret\n',
    );
  });

  it('resolves symlinks before the check', () => {
    const { specs, outside } = layout();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(specs, 'data', 'link.txt'));
    refused(() => read(specs, 'data/link.txt'), /outside the folders data may come from/);
    fs.symlinkSync('/etc/hostname', path.join(specs, 'data', 'etc.txt'));
    refused(() => read(specs, 'data/etc.txt'), /is \/etc\/hostname, outside/);
  });

  it('refuses a FIFO without blocking, and /dev/urandom even where /dev is allowed', () => {
    const { specs } = layout();
    execFileSync('mkfifo', [path.join(specs, 'data', 'pipe.txt')]);
    refused(() => read(specs, 'data/pipe.txt'), /"data\/pipe\.txt"\) is not a regular file/);
    fs.symlinkSync('/dev/urandom', path.join(specs, 'data', 'random.txt'));
    refused(() => read(specs, 'data/random.txt'), /outside the folders/);
    refused(() => read(specs, 'data/random.txt', { MLBTC_DATA_ROOTS: '/dev' }), /is not a regular file/);
  });

  it('refuses a file over the size limit with the setting that raises it', () => {
    const { specs } = layout();
    const big = path.join(specs, 'data', 'big.txt');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 3 * 1024 * 1024);
    refused(
      () => read(specs, 'data/big.txt', { MLBTC_DATA_MAX_MB: '2' }),
      /is 3\.0 MB, over the limit of 2\.0 MB; raise it with the machine setting mlbtc\.dataMaxMegabytes \(MLBTC_DATA_MAX_MB/,
    );
    assert.equal(read(specs, 'data/big.txt', { MLBTC_DATA_MAX_MB: '4' }).bytes.length, 3 * 1024 * 1024);
  });
});

describe('character corpus encoding', () => {
  it('gives every character the id of the Array.from encoding it replaces (astral characters included)', () => {
    const { specs } = layout();
    const text = 'to be, or 𝄞 not — to be: ünïcödé 😀 and \uffff edge\n'.repeat(20);
    fs.writeFileSync(path.join(specs, 'data', 'text.txt'), text);
    const corpus = loadCharacterCorpus(specs, { kind: 'language-model', vocabSize: 64, data: 'data/text.txt' } as LmTask, 8);
    const chars = Array.from(text);
    const vocabulary = [...new Set(chars)].sort();
    assert.deepEqual(corpus.vocabulary, vocabulary);
    assert.deepEqual(
      [...corpus.train, ...corpus.val],
      chars.map((c) => vocabulary.indexOf(c)),
    );
  });
});
