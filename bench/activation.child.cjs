// Child process of bench/editor.bench.ts: loads the built extension (dist/extension.js) into a fresh Node with a
// stand-in `vscode` module and times require() and activate(). Prints one JSON line. Not a test: nothing here
// checks behaviour, only what the extension loads and how long that takes.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');

/** Any property is another stand-in; calling or constructing one returns one; awaiting one does not hang. */
function standIn() {
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive) return () => 0;
      if (prop === 'dispose') return () => {};
      return standIn();
    },
    apply: () => standIn(),
    construct: () => standIn(),
  });
}

// The bundle copies the module's own names into its namespace objects (esbuild's __toESM), so the stand-in module
// is a plain object with every `<alias>.<name>` the bundle uses, where an alias is what `require("vscode")` is
// assigned to (vscode, vscode2, … in a development build; short minified names in a production one).
const bundle = fs.readFileSync(path.join(root, 'dist', 'extension.js'), 'utf8');
const aliases = new Set(
  [...bundle.matchAll(/([A-Za-z_$][\w$]*)\s*=\s*(?:[A-Za-z_$][\w$]*\()?require\(["']vscode["']\)/g)].map((m) => m[1]),
);
const names = new Set();
for (const alias of aliases) {
  const escaped = alias.replace(/\$/g, '\\$');
  for (const m of bundle.matchAll(new RegExp(`(?<![\\w$.])${escaped}\\.([A-Za-z_]\\w*)`, 'g'))) names.add(m[1]);
}
const vscode = Object.fromEntries([...names].map((name) => [name, standIn()]));
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

const memento = { get: (_key, fallback) => fallback, update: () => Promise.resolve(), keys: () => [] };
const context = {
  subscriptions: [],
  extensionPath: root,
  extensionUri: standIn(),
  workspaceState: memento,
  globalState: memento,
  extension: { packageJSON: JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) },
};

const t0 = performance.now();
const extension = require(path.join(root, 'dist', 'extension.js'));
const t1 = performance.now();
extension.activate(context);
const t2 = performance.now();
const loaded = Object.keys(require.cache);
process.stdout.write(
  `${JSON.stringify({
    requireMs: t1 - t0,
    activateMs: t2 - t1,
    bundleBytes: fs.statSync(path.join(root, 'dist', 'extension.js')).size,
    tfjsModules: loaded.filter((f) => f.includes('@tensorflow')).length,
    workerLoaded: loaded.some((f) => f.endsWith(`${path.sep}worker.js`)),
    subscriptions: context.subscriptions.length,
  })}\n`,
);
