import type { EpochMetrics, Job, JobProgress } from '../sdk/index.js';

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));

/** How many epochs a job's spec asks for (fit + fineTune), or null when the spec is not shown. */
export function totalEpochs(job: Pick<Job, 'spec'>): number | null {
  const spec = job.spec as { fit?: { epochs?: unknown }; fineTune?: { epochs?: unknown } } | undefined;
  const fit = typeof spec?.fit?.epochs === 'number' ? spec.fit.epochs : null;
  if (fit === null) return null;
  return fit + (typeof spec?.fineTune?.epochs === 'number' ? spec.fineTune.epochs : 0);
}

/** One line per epoch: `epoch 2/5 train  loss 0.4797 accuracy 0.8327 val_loss 0.4988 val_accuracy 0.8400 8.8s`. */
export function epochLine(m: EpochMetrics, total: number | null): string {
  const of = total ? `/${total}` : '';
  return [
    `epoch ${m.epoch}${of}`.padEnd(total ? 6 + 2 * String(total).length + 1 : 9),
    m.phase === 'fine_tune' ? 'fine_tune' : 'train    ',
    `loss ${num(m.loss)}`,
    `accuracy ${num(m.accuracy)}`,
    `val_loss ${num(m.val_loss)}`,
    `val_accuracy ${num(m.val_accuracy)}`,
    `${(m.durationMs / 1000).toFixed(1)}s`,
  ].join('  ');
}

/**
 * A one-line progress bar for the batches of the current epoch, redrawn in place with `\r`.
 * Only drawn on a terminal; `clear()` wipes it before a normal line is printed.
 */
export class ProgressBar {
  private shown = false;
  constructor(
    private readonly out: { write(s: string): unknown; isTTY?: boolean; columns?: number },
    private readonly enabled = !!out.isTTY,
  ) {}

  render(p: JobProgress, total: number | null): void {
    if (!this.enabled) return;
    const label = `epoch ${p.epoch}${total ? `/${total}` : ''} `;
    const count = ` ${p.batch}/${p.batches}`;
    const width = Math.max(10, Math.min(40, (this.out.columns || 80) - label.length - count.length - 3));
    const frac = p.batches > 0 ? Math.min(1, p.batch / p.batches) : 0;
    const filled = Math.round(frac * width);
    this.out.write(
      `\r${label}[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === width ? '=' : '>') : ''}${' '.repeat(width - filled)}]${count}\x1b[K`,
    );
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
