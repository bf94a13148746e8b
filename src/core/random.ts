/**
 * A small seeded random number generator whose whole state is two numbers, so that runs can checkpoint it and
 * resume with exactly the same stream. mulberry32 for uniforms, Box–Muller (with the spare kept in the state) for
 * normals. Not cryptographic; statistically fine for initialisation, data synthesis and search sampling.
 */
export interface RngState {
  seed: number;
  /** The second Box–Muller normal, or null when none is pending. */
  spare: number | null;
}

export class Rng {
  private s: number;
  private spare: number | null = null;

  constructor(seed: number | RngState) {
    if (typeof seed === 'number') this.s = seed >>> 0;
    else {
      this.s = seed.seed >>> 0;
      this.spare = seed.spare;
    }
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A new generator seeded from this one, for independent streams (e.g. one per data split). */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }

  get state(): RngState {
    return { seed: this.s, spare: this.spare };
  }
}
