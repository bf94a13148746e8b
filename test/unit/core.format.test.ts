import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exactCount, shortBytes, shortCount } from '../../src/core/format';

describe('analysis number formatting', () => {
  it('groups digits exactly', () => {
    assert.equal(exactCount(4804480), '4,804,480');
    assert.equal(exactCount(0), '0');
    assert.equal(exactCount(999), '999');
  });

  it('gives three significant digits with a decimal suffix', () => {
    assert.equal(shortCount(4804480), '4.80 M');
    assert.equal(shortCount(12_600_000_000), '12.6 G');
    assert.equal(shortCount(950), '950');
    assert.equal(shortCount(1000), '1.00 k');
    assert.equal(shortCount(123_456), '123 k');
  });

  it('carries into the next unit when rounding reaches it', () => {
    assert.equal(shortCount(999_960), '1.00 M');
    assert.equal(shortBytes(1024 * 1024 - 1), '1.00 MiB');
  });

  it('uses binary units for bytes', () => {
    assert.equal(shortBytes(512), '512 B');
    assert.equal(shortBytes(49152), '48.0 KiB');
    assert.equal(shortBytes(1.5 * 1024 ** 2), '1.50 MiB');
  });
});
