import { fmtNumber } from '../lib/format.js';
import { intervalDomain } from '../lib/study-view.js';

export interface Comparison {
  diff: number;
  ci95: [number, number] | null;
  pValue: number | null;
  n: number;
  test: string;
  distinguishable: boolean;
}

export interface RankingRow {
  parameters: Record<string, unknown>;
  mean: number | null;
  std: number | null;
  n: number;
  ci95?: [number, number] | null;
  vsBest?: Comparison | null;
  stopped?: number;
  failed?: number;
  warnings?: Record<string, number>;
  warningSummary?: string[];
}

const BAR_W = 160;
const BAR_H = 18;

/** The mean as a dot and its 95% interval as a bar, on a scale shared by every row. */
function ErrorBar({ row, domain }: { row: RankingRow; domain: [number, number] }) {
  if (row.mean === null) return <span class="muted">–</span>;
  const x = (v: number) => 4 + ((v - domain[0]) / (domain[1] - domain[0])) * (BAR_W - 8);
  const ci = row.ci95;
  return (
    <svg
      class="error-bar"
      width={BAR_W}
      height={BAR_H}
      data-ci={ci ? ci.join(',') : ''}
      aria-label={ci ? `95% interval ${fmtNumber(ci[0])} to ${fmtNumber(ci[1])}` : 'one run: no interval'}
    >
      {ci && (
        <g stroke="#0072B2" stroke-width="1.5">
          <line x1={x(ci[0])} x2={x(ci[1])} y1={BAR_H / 2} y2={BAR_H / 2} />
          <line x1={x(ci[0])} x2={x(ci[0])} y1={4} y2={BAR_H - 4} />
          <line x1={x(ci[1])} x2={x(ci[1])} y1={4} y2={BAR_H - 4} />
        </g>
      )}
      <circle cx={x(row.mean)} cy={BAR_H / 2} r="3.5" fill="#D55E00" />
    </svg>
  );
}

const fmtP = (p: number | null) => (p === null ? '–' : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

function VsBest({ vs, best }: { vs: Comparison | null | undefined; best: boolean }) {
  if (!vs) return <span class="muted">{best ? 'best' : '–'}</span>;
  const sign = vs.diff >= 0 ? '+' : '';
  return (
    <span class="vs-best" data-p={vs.pValue ?? ''} title={`${vs.n} pairs, ${vs.test === 'wilcoxon' ? 'Wilcoxon signed-rank test' : 'paired t-test'}`}>
      {sign}
      {fmtNumber(vs.diff)} {vs.ci95 ? `[${fmtNumber(vs.ci95[0])}, ${fmtNumber(vs.ci95[1])}]` : ''} p = {fmtP(vs.pValue)}{' '}
      {vs.distinguishable ? <span class="badge">worse</span> : <span class="badge muted">tie</span>}
    </span>
  );
}

/** Configurations best first: mean, std (a dash for one run), 95% interval as an error bar, and each against the best. */
export function StudyRanking({ rows, label }: { rows: RankingRow[]; label: (p: Record<string, unknown>) => string }) {
  const domain = intervalDomain(rows);
  return (
    <div class="table-scroll">
      <table class="ranking">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Parameters</th>
            <th scope="col">Mean</th>
            <th scope="col">Std</th>
            <th scope="col">n</th>
            <th scope="col">95% interval</th>
            <th scope="col">vs best (paired)</th>
            <th scope="col">Stopped / failed</th>
            <th scope="col">Warnings</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr>
              <td class="num">{i + 1}</td>
              <td>
                <code>{label(r.parameters)}</code>
              </td>
              <td class="num">{fmtNumber(r.mean)}</td>
              <td class="num std">{fmtNumber(r.std)}</td>
              <td class="num">{r.n}</td>
              <td>{domain ? <ErrorBar row={r} domain={domain} /> : '–'}</td>
              <td>
                <VsBest vs={r.vsBest} best={i === 0 && r.mean !== null} />
              </td>
              <td class="num">
                {r.stopped ?? 0} / {r.failed ?? 0}
              </td>
              <td title={r.warningSummary?.join('\n')}>
                {Object.entries(r.warnings ?? {}).map(([k, n]) => (
                  <span class="badge warn-warning">
                    {k.replace(/_/g, ' ')} ×{n}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
