// The extension's commands and the Experiments view inside the real editor.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { AttentionKinds } from '../../src/core/spec/schema';
import {
  activateExtension,
  mlbtcDiagnostics,
  openCopyOfExample,
  readText,
  replaceInEditor,
  sleep,
  waitFor,
  workspaceUri,
  writeText,
} from './util';
import type { MlbtcStudioApi } from '../../src/extension/extension';

let api: MlbtcStudioApi;

before(async () => {
  api = await activateExtension();
});

afterEach(async () => {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
});

const openTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
const isMarkdownPreview = (t: vscode.Tab) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('markdown.preview');

describe('MLBTC: Analyze Structure', () => {
  it('opens the analysis of the paper’s icl-dense beside it with the reference parameter count', async () => {
    await vscode.window.showTextDocument(workspaceUri('paper', 'icl-dense.mlbtc.json'));
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('mlbtc.analyze');
    assert.ok(uri, 'the command resolves to the analysis document');
    const analysis = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.ok(analysis.includes('| **Total** | **4,804,480** | 4.80 M |'), analysis.slice(0, 600));
    assert.match(analysis, /Bottleneck over all heads: \*\*32 \/ 256 \(features\)\*\*/);
    await waitFor('the Markdown preview tab', () => openTabs().some(isMarkdownPreview));
  });

  it('follows the structure as it is edited', async () => {
    const editor = await openCopyOfExample('paper/icl-dense.mlbtc.json', 'analyze-live.mlbtc.json');
    const uri = (await vscode.commands.executeCommand<vscode.Uri>('mlbtc.analyze', editor.document.uri))!;
    const before = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.ok(before.includes('× 6 layers'));
    await replaceInEditor(editor, '"layers": 6', '"layers": 3');
    const after = await waitFor('the analysis to re-render', async () => {
      const text = (await vscode.workspace.openTextDocument(uri)).getText();
      return text.includes('× 3 layers') ? text : undefined;
    });
    // Three blocks fewer: the total drops by exactly three times one block's parameters.
    const count = (text: string, row: RegExp) => Number(row.exec(text)![1]!.replace(/,/g, ''));
    const perLayer = count(before, /\| One layer \| ([\d,]+) \|/);
    assert.equal(count(after, /\| One layer \| ([\d,]+) \|/), perLayer);
    assert.equal(count(after, /\| \*\*Total\*\* \| \*\*([\d,]+)\*\* \|/), 4_804_480 - 3 * perLayer);
  });

  it('refuses an invalid structure without opening anything', async () => {
    const editor = await openCopyOfExample('char-lm-mlr.mlbtc.json', 'analyze-invalid.mlbtc.json', (t) =>
      t.replace('4, 4, 2]', '4, 4, 5]'),
    );
    const result = await vscode.commands.executeCommand('mlbtc.analyze', editor.document.uri);
    assert.equal(result, undefined);
    await sleep(300);
    assert.ok(!openTabs().some(isMarkdownPreview));
  });
});

describe('MLBTC: New Structure', () => {
  for (const family of AttentionKinds) {
    it(`writes a valid ${family} structure, adds the suffix and opens it`, async () => {
      const chosen = workspaceUri('new', `made-${family}`);
      const uri = await vscode.commands.executeCommand<vscode.Uri>('mlbtc.newStructure', { family, uri: chosen });
      assert.equal(uri?.path, `${chosen.path}.mlbtc.json`);
      const written = JSON.parse(await readText(uri)) as { name: string; attention: { kind: string } };
      assert.equal(written.name, `made-${family}`);
      assert.equal(written.attention.kind, family);
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
      // Valid: the analysis opens (it refuses invalid files), and validation reports nothing, not even a warning.
      assert.ok(await vscode.commands.executeCommand('mlbtc.analyze', uri), 'analysable');
      assert.deepEqual(mlbtcDiagnostics(uri), []);
    });
  }

  it('rejects an unknown family with the list of families', async () => {
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('mlbtc.newStructure', { family: 'mrl', uri: workspaceUri('x') })),
      /family must be one of dense, sliding-window/,
    );
  });
});

describe('MLBTC: Open Example', () => {
  it('opens a bundled example by name', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('mlbtc.openExample', { name: 'head-groups' });
    const extension = vscode.extensions.getExtension('mlbtc.mlbtc-studio')!;
    assert.equal(uri.toString(), vscode.Uri.joinPath(extension.extensionUri, 'examples', 'head-groups.mlbtc.json').toString());
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
  });

  it('opens the paper setting of the same name from examples/paper', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('mlbtc.openExample', { name: 'paper/head-groups' });
    const extension = vscode.extensions.getExtension('mlbtc.mlbtc-studio')!;
    assert.equal(uri.toString(), vscode.Uri.joinPath(extension.extensionUri, 'examples', 'paper', 'head-groups.mlbtc.json').toString());
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
  });
});

describe('Experiments view', () => {
  it('lists the folders of the runs directory that hold a status.json, and follows the setting', async () => {
    const status = {
      version: 1,
      state: 'completed',
      pid: null,
      heartbeat: null,
      backend: 'wasm',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:10:00Z',
      exitReason: 'completed 200 steps',
      step: 200,
      totalSteps: 200,
    };
    await writeText(workspaceUri('.mlbtc', 'runs', 'run-a', 'status.json'), JSON.stringify(status));
    await writeText(workspaceUri('.mlbtc', 'runs', 'not-a-run', 'notes.txt'), 'no status here');
    const runs = await waitFor('run-a to be listed', () => {
      const list = api.runs();
      return list.some((r) => r.id === 'run-a') ? list : undefined;
    });
    assert.deepEqual(
      runs.map((r) => [r.id, r.state, r.status?.step]),
      [['run-a', 'completed', 200]],
    );

    // A worker that died without writing a final state: "running" with a stale heartbeat reads as interrupted.
    await writeText(
      workspaceUri('.mlbtc', 'runs', 'run-c', 'status.json'),
      JSON.stringify({ ...status, state: 'running', pid: 999999, heartbeat: '2020-01-01T00:00:00Z', endedAt: null }),
    );
    const dead = await waitFor('run-c to be listed', () => api.runs().find((r) => r.id === 'run-c'));
    assert.equal(dead.state, 'interrupted');

    await writeText(workspaceUri('elsewhere', 'run-b', 'status.json'), JSON.stringify({ ...status, state: 'failed', step: 7 }));
    const config = vscode.workspace.getConfiguration('mlbtc');
    await config.update('runsDirectory', 'elsewhere', vscode.ConfigurationTarget.Workspace);
    try {
      assert.deepEqual(
        api.runs().map((r) => [r.id, r.state]),
        [['run-b', 'failed']],
      );
    } finally {
      await config.update('runsDirectory', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
