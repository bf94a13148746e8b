/**
 * createTask(ctx): the data side of a run for the spec's task. Data files are read and checked here, so every data
 * problem surfaces as a DataError (file, line) before training starts.
 */
import type { Task, TaskContext } from '../types';
import { createForecastTask } from './forecast';
import { createIclRegressionTask } from './iclRegression';
import { createLanguageModelTask } from './languageModel';

export { DataError } from '../../data/dataError';

export function createTask(ctx: TaskContext): Task {
  switch (ctx.spec.task.kind) {
    case 'icl-regression':
      return createIclRegressionTask(ctx);
    case 'language-model':
      return createLanguageModelTask(ctx);
    case 'forecast':
      return createForecastTask(ctx);
  }
}
