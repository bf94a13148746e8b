/**
 * Choosing the runtime (src/runs/runtime.ts) and finding and probing Python (src/runs/python.ts): auto and forced
 * choices, every reason a forced runtime or device cannot start, the order Python is looked for, probe parsing and
 * caching. The probe itself runs against a stand-in mlbtc_torch package in a temporary folder.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveSpec } from '../../src/core/spec/resolve';
import type { StructureSpec } from '../../src/core/spec/schema';
import { RunFiles } from '../../src/protocol/run';
import { createRunFolder, readRunSpec } from '../../src/runfolder/runFolder';
import {
  findPython,
  parseProbe,
  ProbeCache,
  runProbe,
  torchAtLeast,
  type ProbeResult,
  type PythonSearch,
  type TorchProbe,
} from '../../src/runs/python';
import { formatDevices } from '../../src/runs/devices';
import { chooseRuntime, recordRuntime, rewriteRuntime, RuntimeError, runtimeOfSpec, type RuntimeRequest } from '../../src/runs/runtime';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbtc-runtime-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const h200: TorchProbe = {
  python: '3.12.3',
  torch: '2.13.0+cu126',
  cuda: [{ index: 0, name: 'NVIDIA H200', memory: 150_000_000_000 }],
  mps: false,
  fast: true,
};
const cpuOnly: TorchProbe = { ...h200, torch: '2.13.0+cpu', cuda: [], fast: false };
const venv: PythonSearch = {
  found: { path: '/venv/bin/python', source: 'environment', how: 'MLBTC_PYTHON' },
  looked: ['MLBTC_PYTHON: /venv/bin/python'],
};
const nowhere: PythonSearch = { found: null, looked: ['MLBTC_PYTHON: not set', 'PATH: no python3 in /usr/bin'] };

function deps(search: PythonSearch, result: ProbeResult) {
  let probes = 0;
  return {
    deps: { findPython: () => search, probe: async () => (probes++, result) },
    probes: () => probes,
  };
}
const request = (runtime: RuntimeRequest['runtime'], device = 'auto'): RuntimeRequest => ({
  runtime,
  device,
  runtimeFrom: 'training.runtime',
  deviceFrom: 'training.device',
});
const ok = (probe: TorchProbe): ProbeResult => ({ ok: true, probe });

describe('chooseRuntime', () => {
  it('tfjs never looks for Python, whatever the device says', async () => {
    const d = deps(venv, ok(h200));
    assert.equal((await chooseRuntime(request('tfjs', 'cuda:3'), d.deps)).runtime, 'tfjs');
    assert.equal(d.probes(), 0);
  });

  it('auto picks torch when the Python found has torch ≥ 2.1, and says where', async () => {
    const chosen = await chooseRuntime(request('auto'), deps(venv, ok(h200)).deps);
    assert.equal(chosen.runtime, 'torch');
    assert.match(chosen.why, /^auto: torch 2\.13\.0\+cu126 in \/venv\/bin\/python \(MLBTC_PYTHON\)$/);
  });

  it('auto falls back to tfjs, saying why, for each reason torch is unavailable', async () => {
    const cases: [PythonSearch, ProbeResult, RegExp][] = [
      [nowhere, ok(h200), /no Python was found \(looked at MLBTC_PYTHON: not set; PATH: no python3 in \/usr\/bin\)/],
      [
        venv,
        { ok: false, failure: 'no-torch', python: '3.12.3', reason: 'torch cannot be imported' },
        /the Python \/venv\/bin\/python \(MLBTC_PYTHON\) has no PyTorch \(torch cannot be imported\)/,
      ],
      [venv, ok({ ...h200, torch: '2.0.1' }), /has torch 2\.0\.1, older than the 2\.1/],
      [
        venv,
        { ok: false, failure: 'no-python', python: null, reason: 'no such file' },
        /\/venv\/bin\/python \(MLBTC_PYTHON\) does not exist or cannot run/,
      ],
    ];
    for (const [search, result, why] of cases) {
      const chosen = await chooseRuntime(request('auto'), deps(search, result).deps);
      assert.equal(chosen.runtime, 'tfjs');
      assert.match(chosen.why, /^auto: tfjs, because /);
      assert.match(chosen.why, why);
    }
  });

  it('a forced torch that cannot start is an error naming who forced it and why, never tfjs', async () => {
    const cases: [PythonSearch, ProbeResult, RegExp][] = [
      [
        nowhere,
        ok(h200),
        /^--runtime is "torch", but no Python was found \(looked at MLBTC_PYTHON: not set; PATH: no python3 in \/usr\/bin\)\.$/,
      ],
      [
        venv,
        {
          ok: false,
          failure: 'no-torch',
          python: '3.12.3',
          reason: "PyTorch is not installed for /venv/bin/python (No module named 'torch')",
        },
        /has no PyTorch \(PyTorch is not installed for \/venv\/bin\/python \(No module named 'torch'\)\)\.$/,
      ],
      [venv, ok({ ...h200, torch: '1.13.1' }), /torch 1\.13\.1, older than the 2\.1 the PyTorch worker needs/],
      [venv, { ok: false, failure: 'failed', python: null, reason: 'no answer within 60 s' }, /could not be probed: no answer within 60 s/],
    ];
    for (const [search, result, message] of cases) {
      await assert.rejects(
        chooseRuntime({ ...request('torch'), runtimeFrom: '--runtime' }, deps(search, result).deps),
        (e: Error) => e instanceof RuntimeError && message.test(e.message),
      );
    }
  });

  it('a forced device the probe does not have is an error, with auto as with torch', async () => {
    for (const runtime of ['auto', 'torch'] as const) {
      await assert.rejects(
        chooseRuntime(request(runtime, 'cuda'), deps(venv, ok(cpuOnly)).deps),
        /training\.device is "cuda", but torch 2\.13\.0\+cpu .* sees no CUDA device/,
      );
      await assert.rejects(
        chooseRuntime(request(runtime, 'cuda:1'), deps(venv, ok(h200)).deps),
        /"cuda:1", but .* no such device: its CUDA devices are cuda:0 NVIDIA H200/,
      );
      await assert.rejects(chooseRuntime(request(runtime, 'mps'), deps(venv, ok(h200)).deps), /"mps", but .* no MPS/);
    }
    assert.equal((await chooseRuntime(request('torch', 'cuda:0'), deps(venv, ok(h200)).deps)).runtime, 'torch');
    assert.equal((await chooseRuntime(request('torch', 'cpu'), deps(venv, ok(cpuOnly)).deps)).runtime, 'torch');
  });

  it('torchAtLeast reads local version suffixes and refuses what it cannot read', () => {
    assert.equal(torchAtLeast('2.1.0'), true);
    assert.equal(torchAtLeast('2.13.0+cu126'), true);
    assert.equal(torchAtLeast('3.0.0'), true);
    assert.equal(torchAtLeast('2.0.99'), false);
    assert.equal(torchAtLeast('1.99'), false);
    assert.equal(torchAtLeast('nightly'), false);
  });
});

describe('findPython', () => {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  const python3 = path.join(bin, 'python3');
  fs.writeFileSync(python3, '#!/bin/sh\n', { mode: 0o755 });
  const other = path.join(tmp, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'python3'), 'not executable', { mode: 0o644 });
  const env = { PATH: [other, bin].join(':') };
  const extension = () => ({ path: '/ext/env/bin/python', note: "the Python extension's active environment: /ext/env/bin/python" });

  it('looks at mlbtc.python, MLBTC_PYTHON, the Python extension, then python3 on PATH, in that order', () => {
    const all = {
      setting: '/set/python',
      env: { ...env, MLBTC_PYTHON: '/env/python' },
      pythonExtension: extension,
      platform: 'linux' as const,
    };
    assert.deepEqual(findPython(all).found, { path: '/set/python', source: 'setting', how: 'mlbtc.python' });
    assert.deepEqual(findPython({ ...all, setting: ' ' }).found, { path: '/env/python', source: 'environment', how: 'MLBTC_PYTHON' });
    assert.equal(findPython({ ...all, setting: '', env }).found?.source, 'python-extension');
    assert.deepEqual(
      findPython({ setting: '', env, pythonExtension: () => ({ note: 'the Python extension: not installed' }), platform: 'linux' }),
      {
        found: { path: python3, source: 'path', how: 'python3 on PATH' },
        looked: ['mlbtc.python: not set', 'MLBTC_PYTHON: not set', 'the Python extension: not installed', `PATH: ${python3}`],
      },
    );
  });

  it('skips a python3 on PATH that is not executable, and says where it looked when there is none', () => {
    const search = findPython({ env: { PATH: other }, platform: 'linux' });
    assert.equal(search.found, null);
    assert.deepEqual(search.looked, ['MLBTC_PYTHON: not set', `PATH: no python3 in ${other}`]);
  });
});

describe('the probe', () => {
  it('parses the probe line, ignoring lines printed before it', () => {
    const line = JSON.stringify({
      python: '3.12.3',
      torch: '2.13.0',
      cuda: [{ index: 0, name: 'NVIDIA H200', memory: 1e11 }],
      mps: false,
      fast: true,
    });
    assert.deepEqual(parseProbe(`UserWarning: something\n${line}\n`), {
      ok: true,
      probe: { python: '3.12.3', torch: '2.13.0', cuda: [{ index: 0, name: 'NVIDIA H200', memory: 1e11 }], mps: false, fast: true },
    });
  });

  it("reports no torch with the probe's error, and output that is not the probe as a failure", () => {
    assert.deepEqual(
      parseProbe(
        '{"python": "3.11.7", "torch": null, "error": "PyTorch is not installed for /usr/bin/python3 (No module named \'torch\')"}',
      ),
      {
        ok: false,
        failure: 'no-torch',
        python: '3.11.7',
        reason: "PyTorch is not installed for /usr/bin/python3 (No module named 'torch')",
      },
    );
    const bare = parseProbe('{"python": "3.11.7", "torch": null}');
    assert.deepEqual(bare.ok ? null : [bare.failure, bare.reason], ['no-torch', 'torch cannot be imported']);
    const garbage = parseProbe('Segmentation fault');
    assert.equal(garbage.ok, false);
    assert.match(!garbage.ok ? garbage.reason : '', /not the probe's JSON line .*Segmentation fault/);
    const partial = parseProbe('{"python": "3.11.7", "torch": "2.3.0"}');
    assert.equal(!partial.ok && partial.failure, 'failed');
  });

  it('probes each interpreter once per package folder, and probes again after forget()', async () => {
    const calls: string[] = [];
    const cache = new ProbeCache(async (python, dir) => (calls.push(`${python} ${dir}`), { ok: true, probe: h200 }));
    await Promise.all([cache.probe('/a', '/pkg'), cache.probe('/a', '/pkg')]);
    await cache.probe('/b', '/pkg');
    await cache.probe('/a', '/other');
    assert.deepEqual(calls, ['/a /pkg', '/b /pkg', '/a /other']);
    cache.forget();
    await cache.probe('/a', '/pkg');
    assert.equal(calls.length, 4);
  });

  it('does not keep a probe that was cancelled', async () => {
    let calls = 0;
    const cache = new ProbeCache(async () => (calls++, { ok: false, failure: 'failed', python: null, reason: 'cancelled' }));
    const abort = new AbortController();
    abort.abort();
    await cache.probe('/a', '/pkg', abort.signal);
    await new Promise((r) => setImmediate(r));
    await cache.probe('/a', '/pkg');
    assert.equal(calls, 2);
  });

  // A stand-in mlbtc_torch package: the real one is on another branch, and the probe's contract is its JSON line.
  const python = findPython({}).found?.path;
  it(
    'runs `python -m mlbtc_torch.probe` with the package folder on PYTHONPATH',
    { skip: python ? false : 'no python3 on PATH' },
    async () => {
      const pkg = path.join(tmp, 'pkg with space');
      fs.mkdirSync(path.join(pkg, 'mlbtc_torch'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'mlbtc_torch', '__init__.py'), '');
      fs.writeFileSync(
        path.join(pkg, 'mlbtc_torch', 'probe.py'),
        'import json, platform\nprint("a warning first")\nprint(json.dumps({"python": platform.python_version(), "torch": "2.5.1", "cuda": [], "mps": False, "fast": True}))\n',
      );
      const result = await runProbe(python!, pkg, undefined);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.probe.torch, '2.5.1');
      const missing = await runProbe(python!, path.join(tmp, 'nothing here'), undefined);
      assert.deepEqual(missing.ok ? null : [missing.failure, missing.reason], [
        'failed',
        `the mlbtc_torch package is missing from ${path.join(tmp, 'nothing here')} (the PyTorch worker ships there)`,
      ]);
      const absent = await runProbe(path.join(tmp, 'no-such-python'), pkg, undefined);
      assert.equal(absent.ok ? null : absent.failure, 'no-python');
    },
  );
});

describe('the recorded runtime', () => {
  const structure: StructureSpec = {
    name: 'rec',
    task: { kind: 'icl-regression', inputDim: 8 },
    model: { width: 32, heads: 2, layers: 1, seqLen: 32 },
    attention: { kind: 'dense' },
  } as StructureSpec;

  it('spec.json records the chosen runtime; "auto" or none reads as tfjs; a resume may rewrite it', () => {
    const spec = resolveSpec(structure);
    assert.equal(spec.training.runtime, 'auto');
    assert.equal(runtimeOfSpec(spec), 'tfjs');
    const recorded = recordRuntime(spec, { steps: 3 }, 'torch');
    assert.equal(runtimeOfSpec(recorded.spec), 'torch');
    assert.deepEqual(recorded.overrides, { steps: 3, runtime: 'torch' });
    const {
      training: { runtime: _dropped, ...older },
    } = spec;
    assert.equal(runtimeOfSpec({ ...spec, training: older as typeof spec.training }), 'tfjs');

    const dir = path.join(tmp, 'run');
    createRunFolder(dir, { ...recorded, sourcePath: '/x.mlbtc.json', sourceText: '{}' });
    rewriteRuntime(dir, 'tfjs');
    const file = readRunSpec(dir);
    assert.equal(file.spec.training.runtime, 'tfjs');
    assert.deepEqual(file.overrides, { steps: 3, runtime: 'tfjs' });
    assert.ok(fs.readFileSync(path.join(dir, RunFiles.spec), 'utf8').endsWith('}\n'));
  });
});

describe('the devices report', () => {
  it('lists the Python and how it was found, torch, each CUDA device with its memory, MPS, the fast path and what auto picks', () => {
    const text = formatDevices({
      search: venv,
      result: ok({ ...h200, cuda: [{ index: 0, name: 'NVIDIA H200', memory: 150_089_908_224 }] }),
      backendPackages: undefined,
    });
    for (const line of [
      '  Python: /venv/bin/python (from MLBTC_PYTHON)',
      '  torch: 2.13.0+cu126',
      '    cuda:0  NVIDIA H200  139.8 GiB',
      '  MPS (Apple GPU): not available',
      '  torch.compile + flex_attention fast path: available',
      'training.runtime "auto" picks: torch 2.13.0+cu126',
    ]) {
      assert.ok(text.includes(`${line}\n`), `${line}\nnot in\n${text}`);
    }
    assert.match(
      formatDevices({ search: venv, result: ok({ ...cpuOnly, torch: '2.0.1' }), backendPackages: '/opt/gpu' }),
      /torch: 2\.0\.1 \(too old[^]*CUDA devices: none[^]*backends: \/opt\/gpu[^]*picks: tfjs \(torch 2\.0\.1 is older than 2\.1\)/,
    );
  });
});
