import { useMemo } from 'preact/hooks';
import { OKABE_ITO } from '../lib/colors.js';
import type { EpochMetrics } from '../lib/types.js';
import { LineChart } from './LineChart.js';

/** Loss and accuracy, train (solid) and validation (dashed), with the fine-tune phase shaded. */
export function Curves({ epochs, totalEpochs = 0 }: { epochs: EpochMetrics[]; totalEpochs?: number }) {
  const data = useMemo(() => {
    const col = (k: keyof EpochMetrics) => epochs.map((e) => (e[k] as number | null) ?? null);
    const fineTune = epochs.find((e) => e.phase === 'fine_tune');
    return {
      x: epochs.map((e) => e.epoch),
      shadeFrom: fineTune ? fineTune.epoch : null,
      loss: [
        { label: 'loss', color: OKABE_ITO[0], values: col('loss') },
        { label: 'val_loss', color: OKABE_ITO[1], values: col('val_loss'), dash: true },
      ],
      accuracy: [
        { label: 'accuracy', color: OKABE_ITO[0], values: col('accuracy') },
        { label: 'val_accuracy', color: OKABE_ITO[1], values: col('val_accuracy'), dash: true },
      ],
    };
  }, [epochs]);
  const hasAccuracy = epochs.some((e) => e.accuracy !== null);
  return (
    <div class="curves">
      <LineChart title="Loss" x={data.x} series={data.loss} shadeFrom={data.shadeFrom} yLabel="loss" xMax={totalEpochs} />
      {hasAccuracy && <LineChart title="Accuracy" x={data.x} series={data.accuracy} shadeFrom={data.shadeFrom} yLabel="accuracy" xMax={totalEpochs} />}
    </div>
  );
}
