/** How a search trial is named from the values the search varied. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortKeys, shortNumber, trialParams } from '../../src/runs/search/trialLabel';

describe('a trial labelled by its parameters', () => {
  it('writes numbers short: integers whole, below 0.1 in exponent form, others to three digits', () => {
    assert.deepEqual([16, 0.003, 0.000316, 0.01, 0.1, 0.123456, 2.5, 1e7, 0].map(shortNumber), [
      '16',
      '3e-3',
      '3.16e-4',
      '1e-2',
      '0.1',
      '0.123',
      '2.5',
      '1e7',
      '0',
    ]);
  });

  it('names each key by its last segment unless two would read alike', () => {
    assert.deepEqual(
      [...shortKeys(['attention.ranks', 'training.lr'])],
      [
        ['attention.ranks', 'ranks'],
        ['training.lr', 'lr'],
      ],
    );
    assert.deepEqual(
      [...shortKeys(['attention.0.heads', 'attention.1.heads', 'model.width'])],
      [
        ['attention.0.heads', 'attention.0.heads'],
        ['attention.1.heads', 'attention.1.heads'],
        ['model.width', 'width'],
      ],
    );
  });

  it('joins lists with bars and the dimensions with dots, in dimension order', () => {
    assert.equal(trialParams({ 'attention.ranks': [16, 8, 4, 4], 'training.lr': 0.003 }), 'ranks 16|8|4|4 · lr 3e-3');
    assert.equal(trialParams({ 'attention.kind': 'btt', 'attention.blocks': [[2, 2], [4]] }), 'kind btt · blocks 2,2|4');
    assert.equal(trialParams({}), '');
  });
});
