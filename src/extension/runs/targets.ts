/**
 * What a run command acts on, from whatever invoked it:
 * - the Experiments view: the clicked node, and with several rows selected, the selection as the second argument;
 * - a CodeLens or the explorer: a Uri;
 * - tests and automation: a run id, or an object { runId } / { runIds } / { searchId } / { uri };
 * - nothing (the command palette): the active editor, else a quick pick.
 */
import * as vscode from 'vscode';
import type { RunState } from '../../protocol/run';
import type { RunInfo } from '../../runs/store';
import { isStructureDocument, STRUCTURE_SUFFIX } from '../structures/structureFiles';
import type { SearchRef } from './searchDriver';
import type { RunsModel } from './runsModel';
import { groupByExperiment, searchRefOf } from '../../runs/store';

/** The Experiments view's nodes, as run commands receive them. */
export interface ExperimentNode {
  kind: 'experiment';
  key: string;
}

export interface RunNode {
  kind: 'run';
  id: string;
}

export type ExperimentsNode = ExperimentNode | RunNode;
import { acceptedItems, decidePick } from './pickDecision';

/** Options a test or automation caller may pass as the first argument. */
export interface CommandOptions {
  uri?: vscode.Uri;
  runId?: string;
  runIds?: string[];
  searchId?: string;
  /** Skip the confirmation dialog (Delete Run, Start Search): the caller has confirmed. */
  confirm?: boolean;
}

export function optionsOf(arg: unknown): CommandOptions {
  return typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && !isNode(arg) ? (arg as CommandOptions) : {};
}

function isNode(arg: unknown): arg is ExperimentsNode {
  const kind = (arg as { kind?: unknown } | null)?.kind;
  return kind === 'run' || kind === 'experiment';
}

/** Runs named by the arguments (tree nodes, ids, options), in the model; experiment nodes stand for all their runs. */
export function runsFromArgs(model: RunsModel, args: readonly unknown[]): RunInfo[] {
  const [first, selection] = args;
  // With several rows selected VS Code passes the clicked one and the whole selection (which includes it).
  const nodes = Array.isArray(selection) && selection.length ? selection : [first];
  const ids = new Set<string>();
  for (const a of nodes) {
    if (typeof a === 'string') ids.add(a);
    else if (isNode(a)) {
      if (a.kind === 'run') ids.add(a.id);
      else for (const r of model.runs()) if (r.experiment.key === a.key) ids.add(r.id);
    } else {
      const o = optionsOf(a);
      if (o.runId) ids.add(o.runId);
      for (const id of o.runIds ?? []) ids.add(id);
    }
  }
  const runs: RunInfo[] = [];
  for (const id of ids) {
    const run = model.run(id) ?? model.runs().find((r) => r.id.startsWith(id));
    if (!run)
      throw new Error(
        `No run "${id}" in the runs directories this window follows (${model.roots.join(', ') || 'none: open a folder'}). The Experiments view lists the runs.`,
      );
    // The model catches up on the manager's next tick; a command decides on the run's state as it is now.
    runs.push(model.managerOf(run.id)?.get(run.id) ?? run);
  }
  return runs;
}

/** The search an experiment node or { searchId } names, if any. */
export function searchFromArgs(model: RunsModel, arg: unknown): SearchRef | undefined {
  if (isNode(arg) && arg.kind === 'experiment' && arg.key.startsWith('search:')) {
    const group = groupByExperiment(model.runs().filter((r) => r.experiment.key === arg.key))[0];
    return group && searchRefOf(group);
  }
  const id = optionsOf(arg).searchId;
  if (!id) return undefined;
  const run = model.runs().find((r) => r.search?.id === id);
  if (!run) throw new Error(`No search "${id}" among the runs this window follows. The Experiments view lists searches with their trials.`);
  return searchRefOf({ experiment: run.experiment, runs: [run] });
}

/**
 * The runs a palette command acts on (pickDecision.ts): none in `states` is said so; a single one is taken without
 * asking; several are picked from, where Enter with nothing ticked takes the highlighted row. Undefined: nothing to
 * act on (told why), or the pick was dismissed.
 */
export async function pickRuns(
  model: RunsModel,
  title: string,
  options: { states?: readonly (RunState | 'unknown')[]; many?: boolean } = {},
): Promise<RunInfo[] | undefined> {
  const runs = model
    .runs()
    .filter((r) => !options.states || options.states.includes(r.state))
    .reverse();
  const decision = decidePick(runs);
  if (decision.kind === 'none') {
    void vscode.window.showInformationMessage(
      `${title}: no run${options.states ? ` is ${options.states.join(' or ')}` : ' yet'}. Train a structure (MLBTC: Train Structure) to make one.`,
    );
    return undefined;
  }
  if (decision.kind === 'direct') return [decision.item];
  const items = decision.items.map((run) => ({ label: run.id, description: run.state, detail: run.source ?? undefined, run }));
  if (!options.many) {
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Run' });
    return picked ? [picked.run] : undefined;
  }
  const picked = await pickMany(items, title);
  if (picked === undefined) return undefined;
  if (!picked.length) {
    void vscode.window.showWarningMessage(`${title}: no run was selected, so nothing was done. Tick runs with Space, then Enter.`);
    return undefined;
  }
  return picked.map((p) => p.run);
}

/** A multi-select quick pick whose Enter takes the highlighted row when none is ticked; undefined when dismissed. */
function pickMany<T extends vscode.QuickPickItem>(items: readonly T[], title: string): Promise<T[] | undefined> {
  const pick = vscode.window.createQuickPick<T>();
  pick.title = title;
  pick.placeholder = 'Runs: Space ticks several, Enter acts on the ticked runs or the highlighted one';
  pick.canSelectMany = true;
  pick.items = items;
  return new Promise((resolve) => {
    let accepted = false;
    pick.onDidAccept(() => {
      accepted = true;
      resolve(acceptedItems(pick.selectedItems, pick.activeItems));
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!accepted) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/** The structure file a command acts on: the argument, else the active editor's, else one picked from the workspace. */
export async function structureUri(arg: unknown, title: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const given = optionsOf(arg).uri;
  if (given) return given;
  const active = vscode.window.activeTextEditor?.document;
  if (active && isStructureDocument(active)) return active.uri;
  const files = await vscode.workspace.findFiles(`**/*${STRUCTURE_SUFFIX}`, '**/{node_modules,.git,.mlbtc}/**', 500);
  if (!files.length) {
    void vscode.window
      .showErrorMessage(
        `${title} needs a structure file (*${STRUCTURE_SUFFIX}), and there is none open or in this workspace. Start one:`,
        'New Structure',
        'Open Example',
      )
      .then((choice) => choice && vscode.commands.executeCommand(choice === 'New Structure' ? 'mlbtc.newStructure' : 'mlbtc.openExample'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title, placeHolder: 'Structure file' },
  );
  return picked?.uri;
}
