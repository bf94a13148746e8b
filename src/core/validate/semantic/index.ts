/** The semantic layer: every cross-field rule of the format, run on the schema-valid part of a spec. */
import { checkAttention } from './attention';
import { checkModel, checkTask } from './model';
import { checkSearch } from './search';
import { checkTraining } from './training';
import type { Ctx, SpecView } from './view';

export function checkSemantics(spec: SpecView, ctx: Ctx): void {
  const shape = checkModel(spec.model, ctx);
  checkTask(spec.task, shape, ctx);
  checkAttention(spec.attention, shape, spec.model?.layers, ctx);
  checkTraining(spec.training, ctx);
  checkSearch(spec.search, ctx);
}
