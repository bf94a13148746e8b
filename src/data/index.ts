/**
 * Task data without tensors: what a run will read, checked before a run folder exists. The CLI and the editor call
 * checkTaskData so that a bad data file is reported with its file and line and leaves nothing behind; the runtimes
 * read the same files with the same loaders (tfjs) or their port (PyTorch) and fail the same way.
 */
import type { ResolvedSpec } from '../core/spec/resolve';
import { loadCharacterCorpus } from './characterCorpus';
import { loadForecastData } from './forecastData';

export { DataError } from './dataError';

/** Reads and checks the task's data file, if its task has one. Throws a DataError (or an Error for a missing field). */
export function checkTaskData(spec: ResolvedSpec, specDir: string): void {
  const task = spec.task;
  if (task.kind === 'language-model') loadCharacterCorpus(specDir, task, spec.model.seqLen);
  else if (task.kind === 'forecast') loadForecastData(specDir, task);
}
