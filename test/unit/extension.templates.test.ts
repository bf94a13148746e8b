import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis';
import { AttentionKinds } from '../../src/core/spec/schema';
import { validateText } from '../../src/core/validate';
import { families, structureFileName, structureNameOf, structureTemplateText } from '../../src/extension/structures/templates';

describe('New Structure templates', () => {
  for (const kind of AttentionKinds) {
    it(`${kind}: valid, without warnings, and analysable`, () => {
      const text = structureTemplateText(kind, `my-${kind}`);
      const { problems, spec } = validateText(text);
      assert.deepEqual(problems.map((p) => `${p.code}: ${p.message}`), []);
      assert.ok(spec, 'resolved spec');
      assert.equal(spec.name, `my-${kind}`);
      assert.equal(spec.layers[0]!.groups.length, 1);
      assert.equal(spec.layers[0]!.groups[0]!.attention.kind, kind);
      const a = analyze(spec);
      assert.ok(Number.isInteger(a.params.total) && a.params.total > 0);
    });
  }

  it('places families in the setting the paper studied them in (§5.1 ICL, §5.2 LM)', () => {
    const taskOf = (kind: (typeof AttentionKinds)[number]) => validateText(structureTemplateText(kind, 'x')).spec!.task.kind;
    assert.deepEqual(
      AttentionKinds.map((k) => `${k}:${taskOf(k)}`),
      ['dense:icl-regression', 'sliding-window:language-model', 'global-local:language-model', 'mlr:language-model', 'bilinear-mlr:icl-regression', 'bilinear-btt:icl-regression', 'mlbtc:icl-regression'],
    );
  });

  it('the dense ICL template is the paper reference: 4,804,480 parameters with the SP logit scale', () => {
    const spec = validateText(structureTemplateText('dense', 'x')).spec!;
    assert.equal(analyze(spec).params.total, 4_804_480);
    assert.equal(spec.layers[0]!.groups[0]!.attention.kind === 'dense' && spec.layers[0]!.groups[0]!.attention.logitScale, 'standard');
  });

  it('describes every family from the schema, in schema order', () => {
    const list = families();
    assert.deepEqual(list.map((f) => f.kind), [...AttentionKinds]);
    for (const f of list) assert.ok(f.title.length > 5 && f.description.length > 20, f.kind);
  });

  it('gives file names the structure suffix and derives names from them', () => {
    assert.equal(structureFileName('lm'), 'lm.mlbtc.json');
    assert.equal(structureFileName('lm.json'), 'lm.mlbtc.json');
    assert.equal(structureFileName('lm.mlbtc.json'), 'lm.mlbtc.json');
    assert.equal(structureNameOf('/a/b/char-lm.mlbtc.json'), 'char-lm');
    assert.equal(structureNameOf('C:\\x\\y.json'), 'y');
  });
});
