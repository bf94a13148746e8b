// CodeLens and hover over `attention` in the real editor: text and placement of the lenses, the setting that
// turns them off, the lens of an invalid file, one lens per head group, and the hover's block picture.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { bilinearMlr, headGroups, paperMlr, paperMlrNumbers } from '../fixtures/structures';
import { activateExtension, EXTENSION_ID, replaceInEditor, waitFor, workspaceUri, writeText } from './util';

/** Writes a fixture into the workspace under `name` and opens it. */
async function openFixture(name: string, text: string): Promise<vscode.TextEditor> {
  const uri = workspaceUri(name);
  await writeText(uri, text);
  return vscode.window.showTextDocument(uri, { preview: false });
}

before(async () => {
  await activateExtension();
});

afterEach(async () => {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
});

/** MLBTC Studio's lenses of a document (other extensions' lenses, if any, are left out). */
async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return all.filter(
    (l) => l.command && (l.command.command.startsWith('mlbtc.') || l.command.command === 'workbench.actions.view.problems'),
  );
}

const lineOf = (document: vscode.TextDocument, needle: string) => document.positionAt(document.getText().indexOf(needle)).line;

describe('CodeLens above attention', () => {
  it('shows rank, score MACs and params of the MLR example with Diagram and Trade-offs, above "attention"', async () => {
    // The paper's numbers (§3.4): rank 808 of 1024 and 40,321,024 score MACs; 5,033,984 parameters.
    const editor = await openFixture('lens-mlr.mlbtc.json', paperMlr);
    const found = await waitFor('the lenses', async () => {
      const ls = await lenses(editor.document.uri);
      return ls.length ? ls : undefined;
    });
    const line = lineOf(editor.document, '"attention"');
    // "▶ Train" is there exactly when the extension contributes the train command.
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const canTrain = manifest.contributes.commands.some((c) => c.command === 'mlbtc.train');
    assert.deepEqual(
      found.map((l) => [l.range.start.line, l.command!.title, l.command!.command]),
      [
        [line, 'rank 808 / 1,024 · 40.3 M score MACs/head · 5.03 M params', 'mlbtc.analyze'],
        ...(canTrain ? [[line, '▶ Train', 'mlbtc.train']] : []),
        [line, 'Diagram', 'mlbtc.showDiagram'],
        [line, 'Trade-offs', 'mlbtc.showTradeoffs'],
      ],
    );
    const fmt = (n: number) => n.toLocaleString('en-US');
    assert.match(found[0].command!.tooltip!, new RegExp(`${fmt(paperMlrNumbers.scoreMacsPerHead)}.*${fmt(paperMlrNumbers.params)}`));
    const diagram = found.find((l) => l.command!.command === 'mlbtc.showDiagram')!;
    assert.equal((diagram.command!.arguments![0] as vscode.Uri).toString(), editor.document.uri.toString());
  });

  it('follows edits, says what is wrong when the file breaks, and goes away when the setting is off', async () => {
    const editor = await openFixture('lens-edit.mlbtc.json', bilinearMlr);
    // Bilinear MLR 8|8|8|8 at D 256: rank Σ r_l·2^l = 120 of 256 (§3.3).
    await waitFor('the numbers lens', async () =>
      (await lenses(editor.document.uri)).find((l) => /^rank 120 \/ 256/.test(l.command!.title)),
    );
    await replaceInEditor(editor, '"heads": 8', '"heads": 7');
    const broken = await waitFor('the problem lens', async () =>
      (await lenses(editor.document.uri)).find((l) => l.command!.title.startsWith('⚠ Line')),
    );
    assert.equal(broken.command!.command, 'workbench.actions.view.problems');
    assert.match(broken.command!.title, /^⚠ Line \d+: .*head/i);

    const config = vscode.workspace.getConfiguration('mlbtc');
    await config.update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('no lenses with the setting off', async () => (await lenses(editor.document.uri)).length === 0);
    } finally {
      await config.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('lenses back', async () => (await lenses(editor.document.uri)).length > 0);
  });

  it('gives each head group its own lens above its object, opening the diagram at that group', async () => {
    const editor = await openFixture('lens-groups.mlbtc.json', headGroups);
    const found = await waitFor('the lenses', async () => {
      const ls = await lenses(editor.document.uri);
      return ls.length ? ls : undefined;
    });
    const text = editor.document.getText();
    const first = editor.document.positionAt(text.indexOf('{ "heads": 4, "kind": "mlr"')).line;
    const second = editor.document.positionAt(text.indexOf('{ "heads": 4, "kind": "dense"')).line;
    const diagramAt = (line: number) => found.find((l) => l.range.start.line === line && l.command!.command === 'mlbtc.showDiagram');
    assert.deepEqual(diagramAt(first)?.command!.arguments?.[1], { layer: 0, group: 0 });
    assert.deepEqual(diagramAt(second)?.command!.arguments?.[1], { layer: 0, group: 1 });
    assert.match(
      found.find((l) => l.range.start.line === second && l.command!.command === 'mlbtc.analyze')!.command!.title,
      /^heads 4–7 · dense: rank 64 \/ 512 · 67\.1 M score MACs\/head/,
    );
  });
});

describe('Hover over attention', () => {
  it('shows the block picture of the scoring matrix as a data: SVG image, with the numbers', async () => {
    const editor = await openFixture('hover-mlr.mlbtc.json', paperMlr);
    const position = editor.document.positionAt(editor.document.getText().indexOf('"attention"') + 2);
    const hovers = await waitFor('a hover', async () => {
      const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position)) ?? [];
      const ours = hs.filter((h) => h.contents.some((c) => (c as vscode.MarkdownString).value?.includes('scoring matrix')));
      return ours.length ? ours : undefined;
    });
    const markdown = (hovers[0].contents[0] as vscode.MarkdownString).value;
    assert.match(markdown, /^\*\*all 4 heads · mlr\*\*: scoring matrix, T×T logits \(T = 1024\), 8 levels/);
    const image = /!\[[^\]]*\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/.exec(markdown);
    assert.ok(image, 'a data: SVG image');
    const svg = Buffer.from(image[1], 'base64').toString('utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // 200 px for 1024 tokens: every level's blocks are at least 1.56 px, one rectangle each (1+2+…+128 = 255).
    assert.match(svg, /width="202" height="202"/);
    assert.equal((svg.match(/<rect x="[\d.]+" y=/g) ?? []).length, 255);
    assert.match(
      markdown,
      /\| level \| blocks × size \| rank\/block \| MACs\/block \|\n\|---:\|---:\|---:\|---:\|\n\| 0 \| 1 × 1,024 \| 32 \| 33\.6 M \|/,
    );
    assert.match(markdown, /rank 808 \/ 1,024 · 40\.3 M score MACs\/head/);
  });

  it('leaves a field inside attention to its documentation (no picture over `ranks`)', async () => {
    const editor = await openFixture('hover-field.mlbtc.json', paperMlr);
    await waitFor('validation', async () => (await lenses(editor.document.uri)).length > 0);
    const position = editor.document.positionAt(editor.document.getText().indexOf('"ranks"') + 2);
    const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position)) ?? [];
    assert.ok(!hs.some((h) => h.contents.some((c) => (c as vscode.MarkdownString).value?.includes('scoring matrix'))));
  });

  it('has no hover outside attention', async () => {
    const editor = await openFixture('hover-outside.mlbtc.json', paperMlr);
    const position = editor.document.positionAt(editor.document.getText().indexOf('"seqLen"') + 2);
    await waitFor('validation', async () => (await lenses(editor.document.uri)).length > 0);
    const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position)) ?? [];
    assert.ok(!hs.some((h) => h.contents.some((c) => (c as vscode.MarkdownString).value?.includes('scoring matrix'))));
  });
});
