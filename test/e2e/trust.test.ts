// MLBTC Studio in an untrusted folder (Restricted Mode): package.json declares limited support, so validation,
// analysis and the views keep working there, and the Experiments view says that training will not start.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../scripts/harness/processes';
import { Workbench } from './harness/workbench';

describe('MLBTC Studio in Restricted Mode (untrusted folder)', () => {
  let wb: Workbench;
  before(async () => {
    wb = await Workbench.openRestricted({ theme: 'dark' });
  });
  after(async () => {
    await wb?.close();
  });

  it('says in the Experiments view that training never starts here', async () => {
    await wb.activityBarItem('MLBTC Studio').click();
    await wb.page.getByText('This folder is in Restricted Mode').waitFor({ state: 'visible', timeout: 30_000 });
    await wb.page.locator('.welcome-view-content .monaco-button', { hasText: 'New Structure' }).waitFor({ state: 'visible' });
    await wb.screenshot('restricted-experiments');
  });

  it('still validates while typing and analyses structures', async () => {
    await wb.openFromExplorer('char-lm-mlr.mlbtc.json');
    await wb.page.locator('.editor-instance .monaco-editor').first().click();
    await wb.page.keyboard.press('Control+F');
    await wb.page.keyboard.type('4, 2]');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.type('4, 5]');
    let found = false;
    for (let i = 0; i < 30 && !found; i++) {
      found = (await wb.problems()).some((p) => p.code?.includes('ranks-sum'));
      if (!found) await sleep(300);
    }
    assert.ok(found, 'the ranks-sum problem is reported in Restricted Mode');

    await wb.openFromExplorer('paper/icl-dense.mlbtc.json');
    await wb.runCommand('MLBTC: Analyze Structure');
    await wb.webview(0).getByText('4,804,480').first().waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('restricted-analysis');
  });
});
