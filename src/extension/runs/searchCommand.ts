/**
 * "MLBTC: Start Search": plan the structure search of a spec's `search` block (every candidate validated, analysed
 * and checked against the constraints), show the plan, and once confirmed drive it from this window.
 */
import { parse } from 'jsonc-parser';
import * as vscode from 'vscode';
import { formatPlan } from '../../runs/search/report';
import type { StructureSpec } from '../../core/spec/schema';
import { planSearch, SearchPlanError, type SearchPlan } from '../../runs/search/plan';
import { planWallTime } from '../../runs/search/wallTime';
import { RunStore } from '../../runs/store';
import { baseName } from '../structures/structureFiles';
import type { ValidationCache } from '../structures/validation';
import type { RunService } from './runService';
import type { SearchRef } from './searchDriver';
import { planSummary } from './searchSummary';
import { maxConcurrentRuns, runsDirectoryFor } from './settings';
import { chooseRunRuntime, reportInvalid } from './startRun';
import { optionsOf, structureUri } from './targets';

/** Resolves to the search once it is being driven; undefined when nothing was started. */
export async function startSearch(service: RunService, validation: ValidationCache, arg: unknown): Promise<SearchRef | undefined> {
  const uri = await structureUri(arg, 'Start Search');
  if (!uri) return undefined;
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.isDirty && !(await document.save())) {
    void vscode.window.showErrorMessage(
      `${baseName(uri)} has unsaved changes that could not be saved; save it, then start the search again.`,
    );
    return undefined;
  }
  const { spec, problems } = validation.of(document);
  if (!spec) {
    reportInvalid(document, problems, 'searched');
    return undefined;
  }
  const raw = parse(document.getText()) as StructureSpec;
  if (!raw.search) {
    void vscode.window.showErrorMessage(
      `${baseName(uri)} has no "search" block, so there is nothing to search. Add one with a "space" of the fields to vary, e.g. "search": { "space": { "training.lr": { "logUniform": [1e-4, 1e-2] } } }.`,
    );
    return undefined;
  }

  // One runtime for every trial, chosen now and recorded in each trial's spec (runtime.ts).
  const chosen = await chooseRunRuntime(service, spec, uri);
  if (!chosen) return undefined;
  raw.training = { ...raw.training, runtime: chosen.runtime } as StructureSpec['training'];

  const plan = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Planning the search of ${baseName(uri)}`, cancellable: true },
    async (_progress, token): Promise<SearchPlan | undefined> => {
      await new Promise((resolve) => setImmediate(resolve)); // let the notification show before the synchronous planning
      if (token.isCancellationRequested) return undefined;
      try {
        const planned = planSearch(raw);
        return token.isCancellationRequested ? undefined : planned;
      } catch (e) {
        if (!(e instanceof SearchPlanError)) throw e;
        void vscode.window.showErrorMessage(`${baseName(uri)}: the search cannot be planned: ${e.message}.`);
        return undefined;
      }
    },
  );
  if (!plan) return undefined;
  const root = runsDirectoryFor(uri);
  const wallTime = planWallTime(plan, new RunStore(root).list());
  service.log.info(`Search plan of ${uri.fsPath}:\n${formatPlan(plan)}${wallTime}`);
  if (plan.trials.length === 0) {
    void vscode.window
      .showErrorMessage(
        `${baseName(uri)}: no candidate of the search is valid and within its constraints, so nothing would train. The plan in the output says why each was rejected.`,
        'Show Plan',
      )
      .then((c) => c && service.log.show(true));
    return undefined;
  }
  const concurrent = plan.maxConcurrent ?? maxConcurrentRuns();
  if (optionsOf(arg).confirm !== true) {
    const summary = planSummary(plan, concurrent, wallTime);
    const choice = await vscode.window.showInformationMessage(
      summary.message,
      { modal: true, detail: summary.detail },
      'Start Search',
      'Show Plan',
    );
    if (choice === 'Show Plan') service.log.show(true);
    if (choice !== 'Start Search') return undefined;
  }
  service.follow(root);
  try {
    return service.searches.start(root, plan, { path: uri.fsPath, text: document.getText() });
  } catch (e) {
    void vscode.window.showErrorMessage(`The search of ${baseName(uri)} could not start: ${(e as Error).message}`);
    return undefined;
  }
}
