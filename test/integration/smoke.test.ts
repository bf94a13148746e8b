// Smoke test inside the real extension host: MLBTC Studio is present under its id, is active once a
// structure file is open, and then provides every command its manifest contributes. Expectations come
// from the manifest (packageJSON), not from the extension's code. That opening the file is what
// activates it is checked in test/e2e/smoke.test.ts, in a fresh workbench: here, root-level hooks of
// other test files may activate the extension before any test runs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './util';

const extensionId = 'mlbtc.mlbtc-studio';

interface Manifest {
  contributes: { commands?: { command: string }[]; languages?: { id: string; filenamePatterns?: string[] }[] };
}

describe('smoke: MLBTC Studio in the extension host', () => {
  it(`is present as ${extensionId}`, () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `extension ${extensionId} is loaded (as development extension)`);
    assert.equal(extension.packageJSON.name, 'mlbtc-studio');
  });

  it('activates when a *.mlbtc.json file is opened, in the structure language', async () => {
    const extension = vscode.extensions.getExtension(extensionId)!;
    const manifest = extension.packageJSON as Manifest;
    const language = manifest.contributes.languages?.find((l) => l.filenamePatterns?.includes('*.mlbtc.json'));
    assert.ok(language, 'the manifest contributes a language for *.mlbtc.json');

    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the harness opened a workspace folder');
    const file = vscode.Uri.joinPath(folder.uri, `smoke-${Date.now()}.mlbtc.json`);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('{}\n'));
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);

    assert.equal(document.languageId, language.id);
    await waitFor(`${extensionId} to be activated by opening ${file.fsPath}`, () => extension.isActive, 30_000);
  });

  it('registers every command the manifest contributes once active', async () => {
    const extension = vscode.extensions.getExtension(extensionId)!;
    assert.ok(extension.isActive, 'activated by the previous test');
    const contributed = ((extension.packageJSON as Manifest).contributes.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'the manifest contributes commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((c) => !registered.has(c)),
      [],
      'contributed commands that are not registered',
    );
  });
});
