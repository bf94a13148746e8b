// Files kept after a run for a human to look at (test-results/, git-ignored): screenshots, logs.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { testResultsDir } from './paths';

/** test-results/<name>, with its folder created. */
export function artifactPath(name: string): string {
  const file = path.join(testResultsDir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

export function saveArtifact(name: string, content: string): string {
  const file = artifactPath(name);
  writeFileSync(file, content);
  return file;
}

/** A full-page PNG; never throws (a crashed page must not hide the failure that is being reported). */
export async function saveScreenshot(page: Page, name: string): Promise<string | undefined> {
  const file = artifactPath(name.endsWith('.png') ? name : `${name}.png`);
  try {
    await page.screenshot({ path: file, timeout: 15_000 });
    return file;
  } catch {
    return undefined;
  }
}
