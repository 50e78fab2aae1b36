import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RReLU } from '../../../../src/training/model/layers/rrelu.js';
import { useTestBackend } from '../../../support/test-backend.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('RReLU', () => {
  it('uses the mean slope at inference', () => {
    const layer = new RReLU({ lower: 0.1, upper: 0.3 });
    const out = tf.tidy(() => Array.from((layer.apply(tf.tensor2d([[-2, -1, 0, 3]])) as tf.Tensor).dataSync()));
    expect(out.map((v) => Number(v.toFixed(6)))).toEqual([-0.4, -0.2, 0, 3]);
  });

  it('draws a slope per element in [lower, upper] in training', () => {
    const layer = new RReLU({ seed: 3 });
    const slopes = tf.tidy(() => {
      const x = tf.fill([50, 40], -1);
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      return Array.from(tf.neg(y).dataSync());
    });
    expect(Math.min(...slopes)).toBeGreaterThanOrEqual(1 / 8);
    expect(Math.max(...slopes)).toBeLessThanOrEqual(1 / 3);
    expect(new Set(slopes).size).toBeGreaterThan(1000);
    const mean = slopes.reduce((a, b) => a + b, 0) / slopes.length;
    expect(mean).toBeCloseTo((1 / 8 + 1 / 3) / 2, 2);
    // Positive inputs pass unchanged in training too.
    const pos = tf.tidy(() => Array.from((layer.apply(tf.tensor2d([[2, 5]]), { training: true }) as tf.Tensor).dataSync()));
    expect(pos).toEqual([2, 5]);
  });

  it('saves with its config and loads back with the same predictions', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3], kernelInitializer: 'glorotUniform' }),
        new RReLU({ lower: 0.05, upper: 0.25, seed: 9, name: 'rr' }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(JSON.stringify(saved!.modelTopology)).toContain('"class_name":"RReLU"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const rr = loaded.getLayer('rr') as RReLU;
    expect([rr.lower, rr.upper, rr.seed]).toEqual([0.05, 0.25, 9]);
    const x = tf.tensor2d([
      [1, -2, 3],
      [-1, -1, -1],
    ]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
