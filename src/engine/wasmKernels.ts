/**
 * Faster kernels for tfjs-backend-wasm 4.22, replacing some of its kernels with versions that compute the same
 * values. Found by profiling a training step (bench/README.md); each fix is transparent to model code.
 *
 * 1. BatchMatMul. The wasm kernel sends a product to XNNPACK only when both operands have batch size 1 and neither
 *    is transposed (batch_mat_mul_impl.cc); every other product runs a scalar triple loop, measured here 20–40×
 *    slower (512² · 512: 11 ms through XNNPACK, 216 ms with transposeB, 473 ms with transposeA). Training hits the
 *    slow loop all the time: the gradient of x·W is dy·Wᵀ and xᵀ·dy, and attention multiplies per-head batches.
 *    The rewrite routes every product through XNNPACK:
 *    - transposed operands are transposed explicitly first (an O(n²) copy next to O(n³) work): a single matrix by
 *      a tiled loop here (the backend's own Transpose kernel is slow on 2-D inputs), a batch by that kernel;
 *    - a batch times one matrix (b broadcast) is one tall product: (batch·M, K)·(K, N);
 *    - one matrix times a batch (a broadcast) is one tall product of the transposes, (batch·N, K)·(K, M), transposed
 *      back;
 *    - a batch times a batch of the same size is one XNNPACK product per entry, on views of the entries in place.
 *      Below SMALL_PRODUCT multiply-adds per entry the per-call overhead (XNNPACK packs the right operand on every
 *      call) outweighs the gain and the original kernel runs instead.
 * 2. Slice (and SplitV, which slices). The wasm kernel copies the WHOLE input out of the wasm heap (readSync) for
 *    every slice, so splitting a vector into n parts costs n full copies (254 ms to split 1.2 M floats into 64
 *    parameters). The rewrite reads the input through a view of the heap and copies only the slice.
 * 3. Identity copies its input; the rewrite shares the buffer (installIdentity says why that is safe).
 *
 * Results equal the original kernels' up to float32 summation order (tested against plain-JS references in
 * test/unit/engine.backend.wasmKernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap };

/** Multiply-adds per batch entry below which looping over entries costs more than the scalar loop saves. */
const SMALL_PRODUCT = 32 * 32 * 32;

let installed = false;
/** The backend's own Transpose kernel (swapLastAxes uses it for batches), looked up at install time. */
let transposeKernel: (args: KernelArgs) => TensorInfo;

/** Replace the wasm backend's BatchMatMul, Slice, SplitV and Identity kernels (idempotent; call once the wasm backend is initialised). */
export function installWasmKernels(): void {
  if (installed) return;
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!transpose) throw new Error('the wasm backend has no Transpose kernel');
  transposeKernel = transpose.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;
  installBatchMatMul();
  installSlice();
  installIdentity();
  installed = true;
}

function replaceKernel(name: string, kernelFunc: (args: KernelArgs) => TensorInfo): void {
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

function installBatchMatMul(): void {
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (!original) throw new Error('the wasm backend has no BatchMatMul kernel to wrap');
  const originalFunc = original.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;

  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const { transposeA, transposeB } = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return originalFunc(args);

    const batchDimsA = a.shape.slice(0, -2);
    const batchDimsB = b.shape.slice(0, -2);
    const batchA = sizeOf(batchDimsA);
    const batchB = sizeOf(batchDimsB);
    const [rowsA, colsA] = a.shape.slice(-2);
    const [rowsB, colsB] = b.shape.slice(-2);
    const m = transposeA ? colsA : rowsA;
    const k = transposeA ? rowsA : colsA;
    const n = transposeB ? rowsB : colsB;
    const batchOut = Math.max(batchA, batchB);
    const outShape = [...(batchDimsA.length >= batchDimsB.length ? batchDimsA : batchDimsB), m, n];
    // Shapes the original handles correctly and fast, or batch broadcasts we do not rewrite: leave them alone.
    const simple = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
    const rewritable = batchA === batchB || batchA === 1 || batchB === 1;
    const tiny = batchA > 1 && batchB > 1 && m * n * k < SMALL_PRODUCT;
    if (simple || !rewritable || tiny) return originalFunc(args);
    const temps: TensorInfo[] = [];
    const temp = (t: TensorInfo): TensorInfo => (temps.push(t), t);
    const view = (t: TensorInfo, shape: number[]): TensorInfo => {
      backend.incRef(t.dataId);
      return temp({ dataId: t.dataId, shape, dtype: t.dtype });
    };
    const swapLast = (t: TensorInfo): TensorInfo => temp(swapLastAxes(backend, t));
    const product = (x: TensorInfo, y: TensorInfo): TensorInfo =>
      temp(originalFunc({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }));

    try {
      // a3: (batchA, m, k), b3: (batchB, k, n), neither transposed.
      let a3 = view(a, [batchA, rowsA, colsA]);
      let b3 = view(b, [batchB, rowsB, colsB]);
      if (transposeA) a3 = swapLast(a3);
      if (transposeB) b3 = swapLast(b3);

      let out: TensorInfo;
      if (batchB === 1) {
        out = product(view(a3, [1, batchA * m, k]), b3);
      } else if (batchA === 1) {
        // a·b_i = (b_iᵀ·aᵀ)ᵀ: stack the b_iᵀ into one tall left operand.
        const bT = swapLast(b3); // (batchB, n, k)
        const aT = swapLast(a3); // (1, k, m)
        const tall = product(view(bT, [1, batchB * n, k]), aT); // (1, batchB·n, m)
        out = swapLast(view(tall, [batchB, n, m]));
      } else {
        out = temp(perEntryProducts(backend, a3, b3, batchOut, m, k, n));
      }
      const result = { dataId: out.dataId, shape: outShape, dtype: out.dtype };
      backend.incRef(out.dataId); // the result keeps the data alive past the temps' disposal below
      return result;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };

  replaceKernel(tf.BatchMatMul, kernelFunc);
}

/**
 * Slice through a heap view. tfjs's SplitV kernel for wasm calls the Slice *function* of its own module, not the
 * registered kernel, so SplitV is replaced too, with the same loop over slices.
 */
function installSlice(): void {
  const original = tf.getKernel(tf.Slice, 'wasm');
  if (!original) throw new Error('the wasm backend has no Slice kernel to wrap');
  const originalFunc = original.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;

  const slice = (args: KernelArgs): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.x as TensorInfo;
    const { begin, size } = (args.attrs ?? {}) as unknown as tf.SliceAttrs;
    if (x.dtype === 'string' || x.shape.length === 0) return originalFunc(args);
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const out = backend.makeOutput(size_, x.dtype);
    if (tf.util.sizeFromShape(size_) === 0) return out;
    // Views are taken after makeOutput: an allocation may grow the wasm memory and detach earlier views.
    const xVals = backend.typedArrayFromHeap(x);
    const outVals = backend.typedArrayFromHeap(out);
    copySlice(xVals, x.shape, begin_, size_, outVals);
    return out;
  };

  const splitV = (args: KernelArgs): TensorInfo[] => {
    const x = args.inputs.x as TensorInfo;
    const { numOrSizeSplits, axis } = (args.attrs ?? {}) as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const part = slice({ inputs: { x }, backend: args.backend, attrs: { begin: [...begin], size } });
      begin[ax] += s;
      return part;
    });
  };

  replaceKernel(tf.Slice, slice);
  replaceKernel(tf.SplitV, splitV as unknown as (args: KernelArgs) => TensorInfo);
}

/**
 * Identity (tf.clone, and every tensor a tf.customGrad saves for its backward) shares the input's buffer and counts
 * one more reference, as the cpu and webgl backends do; the wasm kernel copies the whole buffer. Sharing is safe:
 * kernels write only into outputs they allocate, and a variable's assign takes a new buffer rather than writing its
 * own. 1,300–2,500 Identity calls per ICL D128 step cost 150–380 ms of copies (--profile).
 */
function installIdentity(): void {
  const original = tf.getKernel(tf.Identity, 'wasm');
  if (!original) throw new Error('the wasm backend has no Identity kernel to wrap');
  const originalFunc = original.kernelFunc as unknown as (args: KernelArgs) => TensorInfo;
  replaceKernel(tf.Identity, (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return originalFunc(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

/** Copy the box [begin, begin + size) of x (row-major, shape) into out, one contiguous innermost run at a time. */
function copySlice(x: tf.TypedArray, shape: number[], begin: number[], size: number[], out: tf.TypedArray): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  const run = size[rank - 1];
  const runs = tf.util.sizeFromShape(size) / run;
  const index = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < runs; r++) {
    let offset = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) offset += (begin[d] + index[d]) * strides[d];
    out.set(x.subarray(offset, offset + run), r * run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
}

/** Tile edge of the blocked transpose: a 32×32 float32 tile (4 KB) stays in L1 on both the read and the write side. */
const TILE = 32;

/**
 * (batch, rows, cols) → (batch, cols, rows). The backend's Transpose kernel takes a slow generic path for a single
 * matrix (1.5 ms for 2048×128 here) where a loop over tiles of heap views takes 1.0 ms; for a batch its 3-D path is
 * 3–5× faster than that loop (128 × 128×128: 2.5 ms against 7.9 ms; 16 × 256×256: 1.9 against 5.9 ms), which the
 * attention backward's Pᵀ·dO and dSᵀ·Q pay on every layer.
 */
function swapLastAxes(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const [batch, rows, cols] = t.shape as [number, number, number];
  if (batch > 1) return transposeKernel({ inputs: { x: t }, backend, attrs: { perm: [0, 2, 1] } });
  const out = backend.makeOutput([batch, cols, rows], 'float32');
  const src = backend.typedArrayFromHeap(t);
  const dst = backend.typedArrayFromHeap(out);
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          let s = base + i * cols + j0;
          let d = base + j0 * rows + i;
          for (let j = j0; j < j1; j++, s++, d += rows) dst[d] = src[s];
        }
      }
    }
  }
  return out;
}

/** The parts of the emscripten module used here (its typings do not declare them). */
interface WasmModule {
  /** The raw BatchMatMul export: (aId, aShapePtr, rank, bId, bShapePtr, rank, transposeA, transposeB, outId). */
  _BatchMatMul: (...args: number[]) => void;
  _malloc: (bytes: number) => number;
  _free: (pointer: number) => void;
  HEAP32: Int32Array;
}

/**
 * out[i] = a[i]·b[i], one XNNPACK call per entry, on tensors registered over the entries' bytes in place (views:
 * no allocation, no copy). The module's BatchMatMul export is called directly with plain, batch-1 shapes, which it
 * sends to XNNPACK. XNNPACK caches its operator (the packed right operand) under the right operand's tensor id and
 * drops it when that id is disposed, so every entry gets fresh view ids and disposes them after its product.
 * Measured for the ICL attention's P·V (128 entries of 128×128·128×16): 77 µs per entry through the kernel function
 * with copied operands (allocations, three copies, the kernel's own reshapes and shape marshalling), 53 µs here.
 */
function perEntryProducts(
  backend: BackendWasm,
  a3: TensorInfo,
  b3: TensorInfo,
  batch: number,
  m: number,
  k: number,
  n: number,
): TensorInfo {
  const out = backend.makeOutput([batch, m, n], 'float32');
  const wasm = backend.wasm as unknown as WasmModule;
  // Byte offsets into the wasm heap; 4 bytes per float32. Offsets stay valid when the memory grows; views would not.
  const offsetOf = (t: TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const [aAt, bAt, outAt] = [offsetOf(a3), offsetOf(b3), offsetOf(out)];
  const shapes = wasm._malloc(6 * 4) >>> 0; // malloc's i32 result is negative above 2 GB of heap
  wasm.HEAP32.set([1, m, k, 1, k, n], shapes / 4);
  try {
    for (let i = 0; i < batch; i++) {
      const ai = heapView(backend, aAt + 4 * i * m * k, [1, m, k]);
      const bi = heapView(backend, bAt + 4 * i * k * n, [1, k, n]);
      const oi = heapView(backend, outAt + 4 * i * m * n, [1, m, n]);
      wasm._BatchMatMul(idOf(backend, ai), shapes, 3, idOf(backend, bi), shapes + 12, 3, 0, 0, idOf(backend, oi));
      for (const v of [ai, bi, oi]) releaseHeapView(backend, v);
    }
  } finally {
    wasm._free(shapes);
  }
  return out;
}

/** A float32 tensor over `shape` elements at a byte offset of memory some other tensor owns. */
function heapView(backend: BackendWasm, byteOffset: number, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32', byteOffset);
}

/** Forget a heapView without freeing its bytes (backend.disposeData would free them: they belong to another tensor). */
function releaseHeapView(backend: BackendWasm, view: TensorInfo): void {
  backend.wasm.tfjs.disposeData(idOf(backend, view)); // runs the C++ disposal callbacks: XNNPACK's cached operator
  backend.dataIdMap.delete(view.dataId);
}

function idOf(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.id;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((x, y) => x * y, 1);
}
