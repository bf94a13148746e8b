/** The power-law fit of the scaling plots (src/core/study/powerLaw.ts): exact on exact data, honest r², refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitPowerLaw, powerLawAt } from '../../src/core/study/powerLaw';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('fitPowerLaw', () => {
  it('recovers a and b of exact data, with r² 1 and the x range of the points', () => {
    const pts = [1e9, 1e10, 3e10, 1e11].map((x) => [x, 7 * x ** -0.3] as const);
    const fit = fitPowerLaw(pts)!;
    close(fit.a, 7, 1e-6);
    close(fit.b, -0.3);
    close(fit.r2, 1);
    assert.equal(fit.n, 4);
    close(fit.xMin, 1e9);
    close(fit.xMax, 1e11);
    close(powerLawAt(fit, 2e10), 7 * 2e10 ** -0.3, 1e-6);
  });

  it('is the least-squares line in log-log space (checked against the normal equations by hand)', () => {
    // log-log points (0, 0), (1, 1), (2, 3): slope 1.5, intercept −1/6, residuals 1/6, −1/3, 1/6.
    const fit = fitPowerLaw([
      [1, 1],
      [Math.E, Math.E],
      [Math.E ** 2, Math.E ** 3],
    ])!;
    close(fit.b, 1.5);
    close(Math.log(fit.a), -1 / 6);
    close(fit.r2, 1 - (1 / 36 + 1 / 9 + 1 / 36) / (14 / 3));
  });

  it('leaves out points without a logarithm, and needs three distinct x values', () => {
    assert.equal(
      fitPowerLaw([
        [1, 1],
        [2, 2],
      ]),
      null,
    );
    assert.equal(
      fitPowerLaw([
        [1, 1],
        [1, 2],
        [2, 2],
        [0, 5],
        [3, -1],
      ]),
      null,
    );
    const fit = fitPowerLaw([
      [1, 2],
      [2, 4],
      [4, 8],
      [0, 3],
      [Number.NaN, 1],
    ])!;
    assert.equal(fit.n, 3);
    close(fit.b, 1);
  });
});
