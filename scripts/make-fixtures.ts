/**
 * Writes the small Fashion-MNIST and MNIST fixtures used by the unit tests.
 *
 *   npx tsx scripts/make-fixtures.ts <sourceDir>   (a DATASETS_DIR holding the original files)
 *
 * Reads the original gzipped IDX files from `sourceDir/<dataset>/` and writes the first N
 * images and labels of each split, as valid gzipped IDX files with the original file names,
 * under test/fixtures/datasets/<dataset>/. Only this script reads the originals: tests never do.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BUILTINS } from '../src/data/builtin-meta.js';
import { encodeIdxImages, encodeIdxLabels, parseIdxImages, parseIdxLabels } from '../src/data/idx.js';
import type { BuiltinName, BuiltinSplit } from '../src/data/types.js';

// CIFAR-10 has no committed fixture: its tests write a small archive of their own.
const COUNTS: Record<Exclude<BuiltinName, 'cifar-10'>, Record<BuiltinSplit, number>> = {
  'fashion-mnist': { train: 1200, test: 400 },
  mnist: { train: 300, test: 100 },
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = resolve(process.argv[2] ?? process.env.DATASETS_DIR ?? './data/datasets');
const outDir = join(root, 'test/fixtures/datasets');

// Node's gzipSync writes mtime 0 and no file name, so rerunning the script gives
// byte-identical files (no churn in version control).
const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 });

for (const name of Object.keys(COUNTS) as Array<keyof typeof COUNTS>) {
  await mkdir(join(outDir, name), { recursive: true });
  for (const split of ['train', 'test'] as const) {
    const n = COUNTS[name][split];
    const files = BUILTINS[name].files[split];
    const images = parseIdxImages(await readFile(join(sourceDir, name, files.images)), files.images);
    const labels = parseIdxLabels(await readFile(join(sourceDir, name, files.labels)), files.labels);
    const imageSize = images.rows * images.cols;
    const imageOut = gz(encodeIdxImages({ ...images, count: n, pixels: images.pixels.subarray(0, n * imageSize) }));
    const labelOut = gz(encodeIdxLabels({ count: n, labels: labels.labels.subarray(0, n) }));
    await writeFile(join(outDir, name, files.images), imageOut);
    await writeFile(join(outDir, name, files.labels), labelOut);
    console.log(`${name}/${files.images}: ${n} images, ${imageOut.length} bytes`);
    console.log(`${name}/${files.labels}: ${n} labels [${Array.from(labels.labels.subarray(0, 10)).join(',')}...], ${labelOut.length} bytes`);
  }
}
// The Fashion-MNIST MIT license asks that its text travel with copies of the data.
await copyFile(join(sourceDir, 'fashion-mnist/LICENSE'), join(outDir, 'fashion-mnist/LICENSE'));
console.log('fashion-mnist/LICENSE copied');
