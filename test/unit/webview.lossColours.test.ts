/** Live losses: a stable, distinct colour per run, and the hover's x read-out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHoverX } from '../../webview/losses/chart';
import { RunColours } from '../../webview/losses/colours';

describe('run colours in the live losses', () => {
  it('give shown runs distinct colours, the lowest free first', () => {
    const colours = new RunColours(6);
    assert.deepEqual(colours.indices(['a', 'b', 'c']), [0, 1, 2]);
  });

  it("keep a run's colour when others come and go", () => {
    const colours = new RunColours(6);
    colours.indices(['a', 'b', 'c']);
    // "a" finished and is no longer shown; a new run "d" takes the freed colour, "b" and "c" keep theirs.
    assert.deepEqual(colours.indices(['b', 'c', 'd']), [1, 2, 0]);
    // "a" shown again while its colour is taken: it gets a free one, never a shown run's.
    assert.deepEqual(colours.indices(['d', 'b', 'c', 'a']), [0, 1, 2, 3]);
    assert.equal(colours.of('a'), 3);
    assert.equal(colours.of('never-shown'), undefined);
  });

  it('cycle only when more runs are shown than there are colours', () => {
    const colours = new RunColours(2);
    assert.deepEqual(colours.indices(['a', 'b', 'c']), [0, 1, 0]);
  });
});

describe('the live-losses hover read-out', () => {
  it('gives steps as whole numbers and the other axes to three digits', () => {
    assert.equal(formatHoverX('step', 81.3953), 'step 81');
    assert.equal(formatHoverX('tokens', 123456), 'tokens 123k');
    assert.equal(formatHoverX('flops', 4.56789e12), 'training FLOPs 4.57T');
  });
});
