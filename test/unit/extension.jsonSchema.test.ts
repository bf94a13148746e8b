import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonSchema } from '../../src/core/spec/schema';

type Node = { properties?: Record<string, Node & { default?: unknown }>; required?: string[]; [k: string]: unknown };

/** Every object schema in the document, with its JSON pointer. */
function objects(node: unknown, at = '#'): [string, Node][] {
  if (Array.isArray(node)) return node.flatMap((n, i) => objects(n, `${at}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  const here: [string, Node][] = (node as Node).properties ? [[at, node as Node]] : [];
  return [...here, ...Object.entries(node).flatMap(([k, v]) => objects(v, `${at}/${k}`))];
}

describe('the JSON Schema VS Code validates *.mlbtc.json with', () => {
  const schema = jsonSchema() as Node;

  it('does not require properties that have a default (files may omit them)', () => {
    const wrong = objects(schema).flatMap(([at, o]) =>
      (o.required ?? []).filter((k) => 'default' in o.properties![k]!).map((k) => `${at}: ${k}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('still requires what has no default', () => {
    assert.deepEqual(schema.required, ['name', 'task', 'model', 'attention']);
    assert.deepEqual(schema.properties!.model!.required, ['width', 'heads', 'layers', 'seqLen']);
    const mlr = objects(schema).find(([, o]) => (o.properties?.kind as { const?: string } | undefined)?.const === 'mlr');
    assert.deepEqual(mlr?.[1].required, ['kind', 'ranks']);
  });

  it('offers every attention family for `kind`, single or in a head group, whatever fields the object has', () => {
    const attention = schema.properties!.attention as { anyOf: [Node, { items: Node }] };
    const kinds = ['dense', 'sliding-window', 'global-local', 'mlr', 'bilinear-mlr', 'bilinear-btt', 'mlbtc'];
    assert.deepEqual((attention.anyOf[0].properties!.kind as { enum?: string[] }).enum, kinds);
    assert.deepEqual((attention.anyOf[1].items.properties!.kind as { enum?: string[] }).enum, kinds);
  });
});
