// Smoke test of MLBTC Studio in a real VS Code (code-server + chromium): the workbench loads with the
// extension, in both themes, and the packaged .vsix installs into a fresh instance and activates.
// Expected values come from package.json (the manifest), not from the extension's code.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageExtension } from '../../scripts/harness/package';
import { distDir, repoRoot } from '../../scripts/harness/paths';
import { zipEntries } from '../../scripts/harness/zip-entries';
import { extensionId, Workbench } from './harness/workbench';

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  main: string;
  icon?: string;
  contributes: {
    commands?: { command: string; title: string; category?: string; icon?: unknown }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
    languages?: { id: string; filenamePatterns?: string[]; configuration?: string }[];
    grammars?: { path: string }[];
    jsonValidation?: { url: string }[];
    viewsContainers?: { activitybar?: { id: string; title: string; icon: string }[] };
    views?: Record<string, { id: string; icon?: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;

/** Palette titles ("Category: Title") of the contributed commands that no `when` clause hides. */
function alwaysListedCommandTitles(): string[] {
  const hidden = new Set((manifest.contributes.menus?.commandPalette ?? []).filter((m) => m.when).map((m) => m.command));
  return (manifest.contributes.commands ?? [])
    .filter((c) => !hidden.has(c.command))
    .map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

/**
 * Asserts the palette lists each title, querying once per category ("MLBTC: ..." -> "MLBTC"), then by its own title
 * for any the category's list did not show (the palette renders only the rows that fit).
 */
async function assertPaletteLists(wb: Workbench, titles: string[]): Promise<void> {
  assert.ok(titles.length > 0, 'package.json contributes commands');
  for (const query of new Set(titles.map((t) => t.split(': ')[0]!))) {
    const listed = await wb.commandTitles(query);
    const missing: string[] = titles.filter((t) => t.startsWith(query) && !listed.includes(t));
    for (const title of missing) {
      const alone = await wb.commandTitles(title);
      assert.ok(alone.includes(title), `palette lists "${title}"; for it the palette lists ${JSON.stringify(alone)}`);
    }
  }
}

/** The language whose files are *.mlbtc.json; the extension must activate when one opens. */
function structureLanguageId(): string {
  const language = manifest.contributes.languages?.find((l) => l.filenamePatterns?.includes('*.mlbtc.json'));
  assert.ok(language, 'package.json contributes a language for *.mlbtc.json');
  return language.id;
}

function activityBarTitle(): string {
  const container = manifest.contributes.viewsContainers?.activitybar?.find((c) => c.title === 'MLBTC Studio');
  assert.ok(container, 'package.json contributes the "MLBTC Studio" activity-bar container');
  return container.title;
}

/** Opens a new structure file in the workspace and returns the extension host's activation line. */
async function activateByOpeningStructure(wb: Workbench): Promise<string> {
  assert.doesNotMatch(
    wb.server.extensionHostLog(),
    new RegExp(`_doActivateExtension ${extensionId}\\b`),
    'not active before a structure opens',
  );
  writeFileSync(path.join(wb.workspace, 'smoke-activation.mlbtc.json'), '{}\n');
  await wb.openFile('smoke-activation.mlbtc.json');
  return wb.waitForActivation();
}

describe('workbench with MLBTC Studio as development extension (dark theme)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await Workbench.open({ theme: 'dark' });
  });
  after(async () => {
    await wb?.close();
  });

  it('loads with the MLBTC Studio activity-bar container visible', async () => {
    await wb.activityBarItem(activityBarTitle()).waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await wb.page.locator('.monaco-workbench.vs-dark').isVisible(), 'the dark theme is applied');
    await wb.screenshot('smoke-workbench');
  });

  it('lists every contributed command in the command palette', async () => {
    await assertPaletteLists(wb, alwaysListedCommandTitles());
  });

  it('activates when a *.mlbtc.json file is opened', async () => {
    const line = await activateByOpeningStructure(wb);
    assert.match(line, new RegExp(`activationEvent: 'onLanguage:${structureLanguageId()}'`));
    await wb.screenshot('smoke-structure-open');
  });

  it('reads the Problems panel (harness check on a broken plain JSON file)', async () => {
    // Line 3 has a key without a value, so VS Code's own JSON service reports "Value expected" where the
    // next token starts: line 4, column 1.
    writeFileSync(path.join(wb.workspace, 'broken.json'), '{\n  "a": 1,\n  "b": \n}\n');
    await wb.openFile('broken.json');
    let problems = await wb.problems();
    for (let i = 0; i < 20 && !problems.some((p) => p.file === 'broken.json'); i++) problems = await wb.problems();
    const problem = problems.find((p) => p.file === 'broken.json');
    assert.ok(problem, `a problem for broken.json; panel shows ${JSON.stringify(problems)}`);
    assert.deepEqual({ severity: problem.severity, line: problem.line, column: problem.column }, { severity: 'error', line: 4, column: 1 });
    await wb.screenshot('smoke-problems');
  });
});

describe('workbench in the light theme', () => {
  let wb: Workbench;
  before(async () => {
    wb = await Workbench.open({ theme: 'light' });
  });
  after(async () => {
    await wb?.close();
  });

  it('applies the light theme from the instance user settings', async () => {
    await wb.activityBarItem(activityBarTitle()).waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await wb.page.locator('.monaco-workbench.vs').isVisible(), 'the light theme (class vs) is applied');
    assert.equal(await wb.page.locator('.monaco-workbench.vs-dark').count(), 0);
    await wb.screenshot('smoke-workbench');
  });
});

describe('the packaged .vsix', () => {
  let vsix: string;
  let wb: Workbench;
  before(async () => {
    vsix = await packageExtension();
    wb = await Workbench.open({ extension: { vsix }, theme: 'light' });
  });
  after(async () => {
    await wb?.close();
  });

  it('contains every file the manifest names and every built file, and no sources', () => {
    const entries = new Set(zipEntries(vsix));
    const inPackage = (file: string) => entries.has(`extension/${path.posix.normalize(file.replace(/^\.\//, ''))}`);
    const named = [
      'package.json',
      manifest.main,
      manifest.icon,
      ...(manifest.contributes.languages ?? []).map((l) => l.configuration),
      ...(manifest.contributes.grammars ?? []).map((g) => g.path),
      ...(manifest.contributes.jsonValidation ?? []).map((j) => j.url).filter((u) => !/^[a-z]+:/.test(u)),
      ...(manifest.contributes.viewsContainers?.activitybar ?? []).map((c) => c.icon),
      ...Object.values(manifest.contributes.views ?? {}).flatMap((views) => views.map((v) => v.icon)),
    ].filter((f): f is string => typeof f === 'string' && !f.startsWith('$('));
    for (const file of named) assert.ok(inPackage(file), `the .vsix contains ${file} (named in package.json)`);
    // What the build produced must ship too (webview bundles are loaded by path, not named in the manifest).
    for (const file of listFiles(distDir).filter((f) => !f.endsWith('.map') && !f.endsWith('.vsix'))) {
      assert.ok(inPackage(path.posix.join('dist', file)), `the .vsix contains dist/${file}`);
    }
    // The PyTorch runtime ships as Python source (the worker runs it with src/pytorch on PYTHONPATH): its modules and
    // pyproject.toml, and nothing else of src/.
    const runtime = (e: string) => /^extension\/src\/pytorch\/(pyproject\.toml|mlbtc_torch\/.*\.py)$/.test(e);
    for (const module of ['worker.py', 'probe.py', '__init__.py', 'model/model.py']) {
      assert.ok(inPackage(`src/pytorch/mlbtc_torch/${module}`), `the .vsix ships the PyTorch runtime's ${module}`);
    }
    const unwanted = [...entries].filter(
      (e) =>
        !runtime(e) &&
        (/^extension\/(src|test|node_modules|scripts|\.cache|out|\.venv)\//.test(e) || /\.(ts|map|pyc)$/.test(e) || /__pycache__/.test(e)),
    );
    assert.deepEqual(unwanted, [], 'no sources (but the PyTorch runtime), tests, maps, caches or node_modules in the .vsix');
  });

  it('installs into a fresh code-server and activates on a *.mlbtc.json file', async () => {
    const installed = path.join(wb.server.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`, 'package.json');
    assert.equal((JSON.parse(readFileSync(installed, 'utf8')) as Manifest).version, manifest.version);
    const line = await activateByOpeningStructure(wb);
    assert.match(line, new RegExp(`activationEvent: 'onLanguage:${structureLanguageId()}'`));
    await assertPaletteLists(wb, alwaysListedCommandTitles());
    await wb.screenshot('smoke-vsix');
    console.log(
      `# vsix: ${path.relative(repoRoot, vsix)} ${(statSync(vsix).size / 1024).toFixed(0)} KiB, ${zipEntries(vsix).length} entries`,
    );
  });
});

/** Files under `dir`, relative, with / separators. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}
