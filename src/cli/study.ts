/**
 * `mlbtc study [SEARCH…] [--runs DIR] [--svg PREFIX] [--csv FILE]`: the study view headless. Prints one row per
 * run (family, rank, compute, final objective) and each family's power-law fit; --svg writes the panel's three
 * figures (the same SVG text the study panel shows and exports), --csv the rows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toCsv } from '../core/csv';
import { textTable } from '../core/format';
import { renderFigureSvg } from '../core/study/figure';
import { scalingFigure, STUDY_CSV_HEADER, studyFigure, studyRows, sweepKeys } from '../core/study/study';
import { resolveSearchId, SearchNotFoundError } from '../runs/search/searchFolder';
import { loadStudy, StudyError } from '../runs/study/loadStudy';
import { Exit, UsageError, type CliCommand } from './command';
import { RUNS_OPTION_HELP, runsDirOf } from './runs';

const g = (n: number) => n.toPrecision(4);

export const command: CliCommand = {
  usage: 'mlbtc study [SEARCH...] [--runs DIR] [--objective M] [--sweep KEY] [--svg PREFIX] [--csv FILE]',
  help: `The paper's views of a set of runs: each run's family, scoring rank, compute and final objective, and each
family's power law (objective ∝ FLOPs^b, least squares in log-log over its compute frontier). SEARCH names
searches (ID or prefix; default: every search of the runs folder, or every run when there is none).

  --objective M   the metric (default: the search objective, else val.loss)
  --sweep KEY     the sweep figure's x: "rank" (default, the head's scoring rank) or a numeric search key
  --svg PREFIX    write PREFIX-compute.svg, PREFIX-scaling.svg and PREFIX-sweep.svg (the study panel's figures)
  --csv FILE      write one row per run
${RUNS_OPTION_HELP}`,
  options: {
    runs: { type: 'string' },
    objective: { type: 'string' },
    sweep: { type: 'string' },
    svg: { type: 'string' },
    csv: { type: 'string' },
  },
  async run({ positionals, values }, io) {
    const runsDir = runsDirOf(values, io);
    let data;
    try {
      const ids = positionals.map((p) => resolveSearchId(runsDir, p));
      data = loadStudy(runsDir, ids, values.objective as string | undefined);
    } catch (e) {
      if (!(e instanceof StudyError || e instanceof SearchNotFoundError)) throw e;
      io.stderr(`mlbtc study: ${e.message}\n`);
      return Exit.invalid;
    }
    const sweep = (values.sweep as string | undefined) ?? 'rank';
    if (!sweepKeys(data).includes(sweep) && sweep !== 'rank')
      throw new UsageError(`--sweep ${sweep}: not a numeric search key of these runs (${sweepKeys(data).join(', ')})`);
    const rows = data.runs.map((r) => [
      r.label,
      r.family,
      String(r.rank),
      g(r.macsPerToken),
      r.final ? g(r.final.flops) : '–',
      r.final ? g(r.final.value) : '–',
      r.state,
    ]);
    io.stdout(`${data.title}: ${data.runs.length} runs, objective ${data.objective}\n\n`);
    io.stdout(`${textTable(['run', 'family', 'rank', 'MACs/token', 'FLOPs', data.objective, 'state'], rows, new Set([2, 3, 4, 5]))}\n`);
    for (const s of scalingFigure(data).series) {
      io.stdout(
        `${s.name}: ${s.fit ? `${data.objective} ≈ ${g(s.fit.a)} · FLOPs^${s.fit.b.toFixed(4)} (r² ${s.fit.r2.toFixed(3)}, ${s.fit.n} points)` : 'no power law (fewer than 3 points on its frontier)'}\n`,
      );
    }
    if (values.svg !== undefined) {
      const prefix = path.resolve(io.cwd, String(values.svg));
      fs.mkdirSync(path.dirname(prefix), { recursive: true });
      for (const view of ['compute', 'scaling', 'sweep'] as const) {
        const file = `${prefix}-${view}.svg`;
        fs.writeFileSync(file, `${renderFigureSvg(studyFigure(data, view, view === 'sweep' ? sweep : undefined))}\n`);
        io.stdout(`wrote ${path.relative(io.cwd, file)}\n`);
      }
    }
    if (values.csv !== undefined) {
      const file = path.resolve(io.cwd, String(values.csv));
      fs.writeFileSync(file, toCsv(STUDY_CSV_HEADER, studyRows(data)));
      io.stdout(`wrote ${path.relative(io.cwd, file)}\n`);
    }
    return Exit.ok;
  },
};
