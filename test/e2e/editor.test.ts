// MLBTC Studio as a user meets it, in a real VS Code (code-server + chromium), in the light and the dark theme:
// the Experiments view's welcome, a rank broken by typing and reported in the Problems panel, Analyze Structure
// refusing the broken file and then, from the palette, showing the analysis of the paper's ICL reference.
// Screenshots go to test-results/<name>-<theme>.png.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { examplesDir } from '../../scripts/harness/paths';
import { sleep } from '../../scripts/harness/processes';
import { Workbench, type Problem, type Theme } from './harness/workbench';

const MLR = 'char-lm-mlr.mlbtc.json';
/** The paper's §5.1 reference model: 4,804,480 parameters (brief; independent of our analysis code). */
const ICL_DENSE = 'paper/icl-dense.mlbtc.json';

/** 1-based line and column of the first occurrence of `needle` in an example, as the Problems panel shows them. */
function positionIn(file: string, needle: string): { line: number; column: number } {
  const lines = readFileSync(path.join(examplesDir, file), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} in ${file}`);
  return { line: line + 1, column: lines[line]!.indexOf(needle) + 1 };
}

async function waitForProblems(wb: Workbench, accept: (problems: Problem[]) => boolean, what: string): Promise<Problem[]> {
  let problems: Problem[] = [];
  for (let i = 0; i < 30; i++) {
    problems = await wb.problems();
    if (accept(problems)) return problems;
    await sleep(300);
  }
  throw new Error(`the Problems panel never showed ${what}; it shows ${JSON.stringify(problems)}`);
}

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`MLBTC Studio in the editor (${theme} theme)`, () => {
    let wb: Workbench;
    before(async () => {
      wb = await Workbench.open({ theme });
    });
    after(async () => {
      await wb?.close();
    });

    it('shows New Structure and Open Example in the empty Experiments view', async () => {
      await wb.activityBarItem('MLBTC Studio').click();
      const view = wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: 'Experiments' }) });
      for (const label of ['New Structure', 'Open Example']) {
        await view.locator('.welcome-view-content .monaco-button', { hasText: label }).waitFor({ state: 'visible', timeout: 30_000 });
      }
      await wb.screenshot('experiments-welcome');
    });

    it('reports a rank broken by typing in the Problems panel, at the ranks', async () => {
      await wb.openFromExplorer(MLR);
      const editor = wb.page.locator('.editor-instance .monaco-editor').first();
      await editor.click();
      // Select the last rank through Find, close the widget (the match stays selected) and type over it.
      await wb.page.keyboard.press('Control+F');
      await wb.page.keyboard.type('4, 2]');
      await wb.page.keyboard.press('Enter');
      await wb.page.keyboard.press('Escape');
      await wb.page.keyboard.type('4, 5]');

      const expected = positionIn(MLR, '[32, 8, 6, 4, 4, 4, 4, 2]');
      const problems = await waitForProblems(wb, (ps) => ps.some((p) => p.code?.includes('ranks-sum')), 'the ranks-sum error');
      const problem = problems.find((p) => p.code?.includes('ranks-sum'))!;
      assert.equal(problem.file, MLR);
      assert.equal(problem.severity, 'error');
      assert.match(problem.message, /sum to 67/);
      assert.match(problem.source ?? '', /mlbtc/);
      assert.deepEqual({ line: problem.line, column: problem.column }, expected);
      await wb.screenshot('editor-broken-rank');
    });

    it('refuses to analyse the broken file, naming it and its first problem', async () => {
      await wb.page.locator('.editor-instance .monaco-editor').first().click();
      await wb.runCommand('MLBTC: Analyze Structure');
      const message = await wb.waitForNotification(/is not a valid structure/);
      const { line } = positionIn(MLR, '[32, 8, 6, 4, 4, 4, 4, 2]'); // the ranks' line, as on disk before the edit
      assert.match(
        message,
        new RegExp(`${MLR.replaceAll('.', '\\.')} is not a valid structure.*Line ${line}: attention\\.ranks sum to 67`),
      );
      await sleep(500); // let the toast finish sliding in
      await wb.screenshot('analyze-invalid');
    });

    it('analyses the ICL reference from the palette: 4,804,480 parameters', async () => {
      // Quick Open by full path: the Explorer shows two icl-dense.mlbtc.json (the trainable one and paper/'s).
      await wb.openFile(ICL_DENSE);
      await wb.runCommand('MLBTC: Analyze Structure');
      const preview = wb.webview(0);
      await preview.getByText('4,804,480').first().waitFor({ state: 'visible', timeout: 30_000 });
      assert.ok(await preview.getByRole('heading', { name: /Parameters/ }).isVisible());
      assert.ok(await preview.getByText('32 / 256 (features)').first().isVisible());
      await wb.screenshot('analysis-preview');
      // The tables further down, with the preview maximised, for a look at the layout.
      await wb.editorTab('Preview icl-dense.analysis.md').click();
      await wb.runCommand('View: Maximize Editor Group and Hide Side Bars');
      await preview.getByRole('heading', { name: 'Head groups' }).scrollIntoViewIfNeeded();
      await sleep(300);
      await wb.screenshot('analysis-tables');
    });
  });
}
