/**
 * Datasets: built-in Fashion-MNIST/MNIST, CSV and JSON uploads, views, preprocessing,
 * storage encoding and an in-memory cache. No tfjs, Fastify, Prisma or BullMQ in here.
 */
export type { Dataset, BuiltinName, BuiltinSplit } from './types.js';
export { BUILTINS, BUILTIN_NAMES, isBuiltinName, type BuiltinInfo, type BuiltinSplitFiles } from './builtin-meta.js';
export { loadBuiltin, type LoadBuiltinOptions } from './builtin.js';
export { parseIdxImages, parseIdxLabels, encodeIdxImages, encodeIdxLabels, isGzip, type IdxImages, type IdxLabels } from './idx.js';
export { parseCsvDataset, type CsvOptions, type CsvDataset } from './csv.js';
export { datasetFromJson, type JsonDatasetBody } from './json.js';
export { applyView, viewCopies, withViewSeed, type ViewOptions } from './view.js';
export { datasetSha256 } from './digest.js';
export { mulberry32, randomPermutation, seededShuffle, seededPermutation, shuffleInPlace, type Rng } from '../core/random.js';
export { fitStandardizer, applyStandardizer, standardizeDataset, type StandardizerStats } from './standardize.js';
export { splitValidation } from './split.js';
export { encodeDataset, decodeDataset, type EncodedDataset } from './codec.js';
export { DatasetCache } from './cache.js';
export { featureSize, datasetBytes, classCount, selectSamples, sliceSamples } from './dataset.js';
export { ProblemCollector, pointer, escapePointer } from '../core/problems.js';
export { md5File, md5Bytes, verifyFileMd5, clearVerifiedFiles } from './checksum.js';
export { downloadFile, type DownloadOptions } from './download.js';
