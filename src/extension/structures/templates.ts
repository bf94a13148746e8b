/**
 * Starting structures for "MLBTC: New Structure": one per attention family, each placed in the paper setting the
 * family was studied in, so a new file is valid, analysable and a faithful baseline from the first keystroke.
 * The attention block is the family's first schema example (the same text users see in hovers), and the family's
 * title and description come from the schema too: nothing about a family is restated here. Pure.
 */
import type { TObject } from '@sinclair/typebox';
import { attentionSchemas } from '../../core/spec/resolve';
import { AttentionKinds, type AttentionKind } from '../../core/spec/schema';
import { prettyJson } from '../json/jsonText';

/** A paper setting (§5) that a template sits in: everything but the attention. */
interface Setting {
  label: string;
  description: string;
  /** Written as users write files: only what differs from the schema defaults or what teaches the field. */
  spec: { task: object; model: object; training: object };
  /** Attention options the paper fixes for this setting, laid over the family example. */
  attention?: Partial<Record<AttentionKind, object>>;
}

/**
 * §5.1 in-context regression reference: inputDim 64 (so seqLen 4·64), width 256, 8 heads, 6 layers, batch 64,
 * lr 1e-4, 1000 warm-up steps, no clipping; MHA uses the SP 1/√r logit scale there.
 * Steps: a choice, not the paper's 500k: 30k is where the curriculum reaches full size at inputDim 64 (§5.1 table).
 */
const icl: Setting = {
  label: 'in-context regression (§5.1)',
  description: 'In-context linear regression at the paper reference (§5.1): inputDim 64, width 256, 8 heads, 6 layers.',
  spec: {
    task: { kind: 'icl-regression', inputDim: 64, noise: 0 },
    model: { width: 256, heads: 8, layers: 6, seqLen: 256, mlpRatio: 4 },
    training: { steps: 30000, batchSize: 64, lr: 1e-4, warmupSteps: 1000, gradClip: null },
  },
  attention: { dense: { logitScale: 'standard' } },
};

/**
 * §5.2 character language model: width 256, headDim 64 (4 heads), 6 layers, T 1024, 32 sequences per step,
 * lr 3e-3, 2000 warm-up steps, clip 1.0, the 96-character vocabulary. Steps: a choice, not the paper's 100k:
 * 20k keeps the warm-up a tenth of the run. No `data`: point it at a text file to train.
 */
const charLm: Setting = {
  label: 'character language model (§5.2)',
  description:
    'Character-level language model at the paper shape (§5.2): width 256, 4 heads of 64, 6 layers, T 1024. Set task.data to a text file to train.',
  spec: {
    task: { kind: 'language-model', vocabSize: 96 },
    model: { width: 256, heads: 4, headDim: 64, layers: 6, seqLen: 1024, mlpRatio: 4 },
    training: { steps: 20000, batchSize: 32, lr: 3e-3, warmupSteps: 2000, gradClip: 1 },
  },
};

/** Where each family was studied: feature-space (bilinear) families and MHA in ICL; sequence families in the LM. */
const settingOf: Record<AttentionKind, Setting> = {
  dense: icl,
  'bilinear-btt': icl,
  'bilinear-mlr': icl,
  mlbtc: icl,
  mlr: charLm,
  'sliding-window': charLm,
  'global-local': charLm,
};

export interface FamilyInfo {
  kind: AttentionKind;
  title: string;
  description: string;
  setting: string;
}

/** Every family in schema order, described by the schema itself. */
export function families(): FamilyInfo[] {
  return AttentionKinds.map((kind) => {
    const schema: TObject = attentionSchemas[kind];
    return { kind, title: String(schema.title ?? kind), description: String(schema.description ?? ''), setting: settingOf[kind].label };
  });
}

/** A valid structure of the given family named `name`, as the JSON a user would write (defaults left out). */
export function structureTemplate(kind: AttentionKind, name: string): object {
  const setting = settingOf[kind];
  const [example] = attentionSchemas[kind].examples as object[];
  const attention = { ...example, ...setting.attention?.[kind] };
  const { task, model, training } = structuredClone(setting.spec);
  const title = String(attentionSchemas[kind].title ?? kind);
  return { name, description: `${title}. ${setting.description}`, task, model, attention, training };
}

/** The file text of a new structure. */
export function structureTemplateText(kind: AttentionKind, name: string): string {
  return prettyJson(structureTemplate(kind, name));
}

/** `foo.mlbtc.json` for any name the user typed (`foo`, `foo.json`, `foo.mlbtc.json`): only that suffix gets the schema and checks. */
export function structureFileName(fileName: string): string {
  if (fileName.endsWith('.mlbtc.json')) return fileName;
  return `${fileName.replace(/\.json$/, '')}.mlbtc.json`;
}

/** The `name` field for a file: its base name without the suffix. */
export function structureNameOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).at(-1) ?? fileName;
  return base.replace(/\.mlbtc\.json$/, '').replace(/\.json$/, '') || 'structure';
}
