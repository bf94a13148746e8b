/**
 * package.json is static JSON, so the lists it repeats from the source are checked here against their one
 * definition.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TFJS_BACKENDS } from '../../src/core/spec/schema';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[] }> } };
};
const setting = (key: string) => manifest.contributes.configuration.properties[key]!;

test('the mlbtc.backend setting offers exactly the backends a spec can name, each described', () => {
  assert.deepEqual(setting('mlbtc.backend').enum, [...TFJS_BACKENDS]);
  assert.equal(setting('mlbtc.backend').enumDescriptions?.length, TFJS_BACKENDS.length);
});
