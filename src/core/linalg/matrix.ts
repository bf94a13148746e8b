/**
 * A tiny dense float64 matrix (row-major) with the few operations dense materialisation and rank checks need.
 * Deliberately minimal: everything here is for small reference computations (D, T up to about a thousand), where
 * clarity matters more than speed. Engines use tfjs; this is the ground truth they are compared with.
 */
export class Matrix {
  readonly data: Float64Array;

  constructor(
    readonly rows: number,
    readonly cols: number,
    data?: Float64Array,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(`Matrix: rows and cols must be non-negative integers, got ${rows}×${cols}`);
    }
    if (data && data.length !== rows * cols) {
      throw new RangeError(`Matrix: ${rows}×${cols} needs ${rows * cols} entries, got ${data.length}`);
    }
    this.data = data ?? new Float64Array(rows * cols);
  }

  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols);
  }

  static identity(n: number): Matrix {
    const m = new Matrix(n, n);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  static from(rows: number, cols: number, entry: (i: number, j: number) => number): Matrix {
    const m = new Matrix(rows, cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[i * cols + j] = entry(i, j);
    return m;
  }

  /** From nested arrays (rows of equal length), mainly for tests. */
  static fromRows(rows: readonly (readonly number[])[]): Matrix {
    const cols = rows[0]?.length ?? 0;
    for (const [i, r] of rows.entries()) {
      if (r.length !== cols) throw new RangeError(`Matrix.fromRows: row ${i} has ${r.length} entries, expected ${cols}`);
    }
    return Matrix.from(rows.length, cols, (i, j) => rows[i]![j]!);
  }

  /** [rows, cols]: with `data` this makes a Matrix a 2-D Tensor, so it can be passed directly as a weight. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j]!;
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  transpose(): Matrix {
    const t = new Matrix(this.cols, this.rows);
    for (let i = 0; i < this.rows; i++) for (let j = 0; j < this.cols; j++) t.data[j * this.rows + i] = this.data[i * this.cols + j]!;
    return t;
  }

  /** this · other. i-k-j loop order so the inner loop streams both operands row-wise. */
  matmul(other: Matrix): Matrix {
    if (this.cols !== other.rows)
      throw new RangeError(`Matrix.matmul: ${this.rows}×${this.cols} · ${other.rows}×${other.cols} do not conform`);
    const out = new Matrix(this.rows, other.cols);
    const n = other.cols;
    for (let i = 0; i < this.rows; i++) {
      const outRow = i * n;
      for (let k = 0; k < this.cols; k++) {
        const a = this.data[i * this.cols + k]!;
        if (a === 0) continue;
        const bRow = k * n;
        for (let j = 0; j < n; j++) out.data[outRow + j]! += a * other.data[bRow + j]!;
      }
    }
    return out;
  }

  add(other: Matrix): Matrix {
    this.assertSameShape(other, 'add');
    const out = new Matrix(this.rows, this.cols);
    for (let i = 0; i < out.data.length; i++) out.data[i] = this.data[i]! + other.data[i]!;
    return out;
  }

  scale(factor: number): Matrix {
    const out = new Matrix(this.rows, this.cols);
    for (let i = 0; i < out.data.length; i++) out.data[i] = factor * this.data[i]!;
    return out;
  }

  /** Largest absolute entry of this − other. */
  maxAbsDiff(other: Matrix): number {
    this.assertSameShape(other, 'maxAbsDiff');
    let worst = 0;
    for (let i = 0; i < this.data.length; i++) {
      const d = this.data[i]! - other.data[i]!;
      // Infinite entries (masks) compare equal when they are the same infinity.
      const diff = d === d ? Math.abs(d) : this.data[i] === other.data[i] ? 0 : Infinity;
      if (diff > worst) worst = diff;
    }
    return worst;
  }

  toRows(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
  }

  private assertSameShape(other: Matrix, op: string): void {
    if (this.rows !== other.rows || this.cols !== other.cols) {
      throw new RangeError(`Matrix.${op}: shapes ${this.rows}×${this.cols} and ${other.rows}×${other.cols} differ`);
    }
  }
}
