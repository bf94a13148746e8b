// Diagnostics, quick fixes and the JSON Schema of *.mlbtc.json inside the real editor.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, isOwnDiagnostic, mlbtcDiagnostics, openCopyOfExample, replaceInEditor, sleep, waitFor } from './util';

const BROKEN = '[32, 8, 6, 4, 4, 4, 4, 5]';

describe('structure diagnostics', () => {
  before(async () => {
    await activateExtension();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('mark exactly the ranks of a broken rank sum while typing, and go away when fixed', async () => {
    const editor = await openCopyOfExample('char-lm-mlr.mlbtc.json', 'diag-ranks.mlbtc.json');
    const uri = editor.document.uri;
    await sleep(400); // longer than the debounce: a valid example must stay clean
    assert.deepEqual(mlbtcDiagnostics(uri), []);

    await replaceInEditor(editor, '4, 4, 2]', '4, 4, 5]');
    const [d] = await waitFor('the ranks-sum diagnostic', () => {
      const ds = mlbtcDiagnostics(uri);
      return ds.length ? ds : undefined;
    });
    const text = editor.document.getText();
    const start = text.indexOf(BROKEN);
    const expected = new vscode.Range(editor.document.positionAt(start), editor.document.positionAt(start + BROKEN.length));
    assert.equal(d!.code, 'ranks-sum');
    assert.equal(d!.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(d!.range.isEqual(expected), `range ${JSON.stringify(d!.range)} should be the ranks array ${JSON.stringify(expected)}`);
    assert.match(d!.message, /sum to 67/);

    await replaceInEditor(editor, '4, 4, 5]', '4, 4, 2]');
    await waitFor('the diagnostics to clear', () => mlbtcDiagnostics(uri).length === 0);
  });

  it('offer a quick fix that restores the sum with a one-character edit', async () => {
    const editor = await openCopyOfExample('char-lm-mlr.mlbtc.json', 'diag-quickfix.mlbtc.json');
    const original = editor.document.getText();
    await replaceInEditor(editor, '4, 4, 2]', '4, 4, 5]');
    const [d] = await waitFor('the ranks-sum diagnostic', () => {
      const ds = mlbtcDiagnostics(editor.document.uri);
      return ds.length ? ds : undefined;
    });
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      editor.document.uri,
      d!.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title === 'Set the last rank to 2 (ranks sum to 64)');
    assert.ok(fix?.edit, `quick fix offered; got ${actions.map((a) => a.title).join(' | ')}`);
    const edits = fix.edit.get(editor.document.uri);
    assert.equal(edits.length, 1);
    assert.equal(edits[0]!.newText, '2');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(editor.document.getText(), original);
    await waitFor('the diagnostics to clear after the fix', () => mlbtcDiagnostics(editor.document.uri).length === 0);
  });

  it('come with the JSON Schema: VS Code flags an unknown property and completes family names', async () => {
    const editor = await openCopyOfExample('paper/icl-dense.mlbtc.json', 'diag-schema.mlbtc.json', (t) =>
      t.replace('{ "kind": "dense", "logitScale": "standard" }', '{ "kind": "dense", "rankz": 1 }'),
    );
    const uri = editor.document.uri;
    assert.equal(editor.document.languageId, 'mlbtc');
    const fromSchema = await waitFor(
      "VS Code's JSON diagnostics for the unknown property",
      () => vscode.languages.getDiagnostics(uri).find((d) => !isOwnDiagnostic(d) && d.message.includes('rankz')),
      30_000,
    );
    assert.match(fromSchema.message, /not allowed/);

    const text = editor.document.getText();
    const inKind = editor.document.positionAt(text.indexOf('"dense"') + 1);
    const completions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inKind);
    const labels = completions.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const kind of ['"sliding-window"', '"global-local"', '"mlr"', '"bilinear-mlr"', '"bilinear-btt"', '"mlbtc"'])
      assert.ok(labels.includes(kind), `${kind} in ${labels.join(', ')}`);
  });
});

describe('syntax errors', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('are reported once, by the JSON service, not a second time by MLBTC Studio', async () => {
    const editor = await openCopyOfExample('paper/icl-dense.mlbtc.json', 'diag-syntax.mlbtc.json', (t) =>
      t.replace('"layers": 6,', '"layers": 6'),
    );
    const uri = editor.document.uri;
    const fromJson = await waitFor(
      'the JSON service to report the missing comma',
      () => vscode.languages.getDiagnostics(uri).filter((d) => !isOwnDiagnostic(d)).length > 0,
      30_000,
    );
    assert.ok(fromJson);
    await sleep(400);
    assert.deepEqual(
      mlbtcDiagnostics(uri).map((d) => d.code),
      [],
    );
    // The file is still known to be invalid: Analyze refuses it.
    assert.equal(await vscode.commands.executeCommand('mlbtc.analyze', uri), undefined);
  });
});
