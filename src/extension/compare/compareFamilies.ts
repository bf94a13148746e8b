/**
 * "MLBTC: Compare Families": from one structure file (the argument, the active editor's, or a pick) and a compute
 * budget, the matched-compute set of structures, one per attention family that fits its task
 * (src/core/compare/matchedCompute.ts), written into a folder beside the file; the first one opens.
 * Automation passes { uri, budget, unit, outDir } to skip the questions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'jsonc-parser';
import { analyze } from '../../core/analysis';
import { trainingFlopsPerStep } from '../../core/analysis/flops';
import { BUDGET_UNITS, compareFamilies, type BudgetUnit } from '../../core/compare/matchedCompute';
import { validate } from '../../core/validate';
import { writeCompareFolder } from '../../runs/compareFolder';
import { structureUri } from '../runs/targets';

interface CompareArgs {
  uri?: vscode.Uri;
  budget?: number;
  unit?: BudgetUnit;
  outDir?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumSignificantDigits: 4 });

/** Resolves to the files written (empty when cancelled or nothing matched). */
export async function compareFamiliesCommand(arg?: unknown): Promise<string[]> {
  const given = (arg instanceof vscode.Uri ? { uri: arg } : ((arg ?? {}) as CompareArgs)) satisfies CompareArgs;
  const uri = given.uri ?? (await structureUri(arg, 'Compare Families'));
  if (!uri) return [];
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const value = parse(text) as Record<string, unknown>;
  const checked = validate(value);
  if (!checked.spec) {
    void vscode.window.showErrorMessage(
      `Compare Families: ${vscode.workspace.asRelativePath(uri)} has errors (see Problems); fix them first.`,
    );
    return [];
  }
  const spec = checked.spec;
  const current: Record<BudgetUnit, number> = {
    macs: analyze(spec).macs.perSequence / spec.model.seqLen,
    flops: trainingFlopsPerStep(spec) * spec.training.steps,
  };
  let unit = given.unit;
  if (!unit) {
    const picked = await vscode.window.showQuickPick(
      (Object.keys(BUDGET_UNITS) as BudgetUnit[]).map((u) => ({
        label: BUDGET_UNITS[u],
        description: `this structure: ${fmt(current[u])}`,
        unit: u,
      })),
      { title: `Compare Families: ${spec.name}`, placeHolder: 'Budget in' },
    );
    if (!picked) return [];
    unit = picked.unit;
  }
  let budget = given.budget;
  if (budget === undefined) {
    const answer = await vscode.window.showInputBox({
      title: `Compare Families: ${spec.name}`,
      prompt: `Budget in ${BUDGET_UNITS[unit]}`,
      value: String(Number(current[unit].toPrecision(3))),
      validateInput: (v) => (Number(v) > 0 ? undefined : 'A positive number, e.g. 2e5 or 3.5e12'),
    });
    if (answer === undefined) return [];
    budget = Number(answer);
  }
  const specDir = path.dirname(uri.fsPath);
  const outDir = given.outDir ?? path.join(specDir, `${spec.name}-compare`);
  const result = compareFamilies({ base: value, budget, unit });
  const written = writeCompareFolder(result, specDir, outDir);
  const skipped = result.skipped.map((s) => `${s.family}: ${s.reason}`).join('; ');
  if (!written.length) {
    void vscode.window.showErrorMessage(
      `Compare Families: no family came within the tolerance of ${fmt(budget)} ${BUDGET_UNITS[unit]}. ${skipped}`,
    );
    return [];
  }
  const summary = result.members
    .map((m) => `${m.family} ${(m.relativeError >= 0 ? '+' : '') + (100 * m.relativeError).toFixed(1)}%`)
    .join(', ');
  void vscode.window.showInformationMessage(
    `Compare Families: ${written.length} structures in ${vscode.workspace.asRelativePath(outDir)} (${summary})${skipped ? `; skipped ${skipped}` : ''}.`,
  );
  await vscode.window.showTextDocument(vscode.Uri.file(written[0]!), { preview: false });
  return written;
}
