import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTINS } from './builtin-meta.js';
import { verifyFileMd5, verifyFileSha256 } from './checksum.js';
import { loadCifar } from './cifar.js';
import { downloadFile } from './download.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';
import type { BuiltinName, BuiltinSplit, Dataset } from './types.js';

/** Options of {@link loadBuiltin}. */
export interface LoadBuiltinOptions {
  /** Folder holding `<name>/<original file name>`; missing files are downloaded into it. */
  datasetsDir: string;
  /** Check existing files against their MD5 (once per process per file version). Default true. */
  verifyChecksums?: boolean;
  /** Replaces the global fetch for downloads (tests, proxies). */
  fetchImpl?: typeof fetch;
  /** Overrides the published MD5s, by file name (tests use this with the small fixture files). */
  checksums?: Readonly<Record<string, string>>;
  /** Overrides the download base URL (a mirror). */
  baseUrl?: string;
}

// One download per file at a time within the process: concurrent jobs wait for the same one.
const downloads = new Map<string, Promise<void>>();

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes sure `<datasetsDir>/<name>/<file>` exists and is verified; returns its path. */
async function ensureFile(name: BuiltinName, file: string, opts: LoadBuiltinOptions): Promise<string> {
  const info = BUILTINS[name];
  const path = join(opts.datasetsDir, name, file);
  // An archive is pinned by its SHA-256, the IDX files by their published MD5s.
  const sha256 = info.archive?.file === file ? (opts.checksums?.[file] ?? info.archive.sha256) : undefined;
  const md5 = sha256 ? undefined : (opts.checksums?.[file] ?? info.md5[file]);
  const digest = sha256 ? `SHA-256 ${sha256}` : `MD5 ${md5}`;
  if (await exists(path)) {
    if (opts.verifyChecksums !== false && !(await (sha256 ? verifyFileSha256(path, sha256) : verifyFileMd5(path, md5 as string)))) {
      // A file we did not just download may be someone's deliberate copy: report, don't delete.
      throw new Error(`${path} does not match its published ${digest}; delete it to download it again`);
    }
    return path;
  }
  let pending = downloads.get(path);
  if (!pending) {
    const url = `${opts.baseUrl ?? info.baseUrl}/${file}`;
    // Downloads are always checked: a bad download is never a useful file.
    pending = downloadFile(url, path, { md5, sha256, fetchImpl: opts.fetchImpl })
      .then(
        () => undefined,
        (err: Error) => {
          // Offline machines are common (CI, air-gapped clusters): say how to do without the download.
          throw new Error(
            `${err.message}. ${name} is read from DATASETS_DIR (${opts.datasetsDir}): put the original files (${file} and the rest) in ${join(opts.datasetsDir, name)}, or point DATASETS_DIR at a folder that holds them`,
            { cause: err },
          );
        },
      )
      .finally(() => downloads.delete(path));
    downloads.set(path, pending);
  }
  await pending;
  return path;
}

/**
 * Loads a split of a built-in dataset from `<datasetsDir>/<name>/`, downloading missing files.
 * Pixels are scaled to [0, 1] float32; featureShape is [28, 28] (CIFAR-10: [32, 32, 3]) and there are 10 classes.
 * @throws Error when a file cannot be downloaded, fails its checksum or is not a valid IDX file.
 */
export async function loadBuiltin(name: BuiltinName, split: BuiltinSplit, opts: LoadBuiltinOptions): Promise<Dataset> {
  const info = BUILTINS[name];
  if (!info) throw new Error(`unknown built-in dataset ${JSON.stringify(name)}`);
  if (info.archive) return loadCifar(await ensureFile(name, info.archive.file, opts), info, split);
  const files = info.files[split];
  if (!files) throw new Error(`unknown split ${JSON.stringify(split)} of ${name}`);
  // allSettled, not all: on a failure, wait for the other download too, so no work (or temp file)
  // outlives the call.
  const settled = await Promise.allSettled([ensureFile(name, files.images, opts), ensureFile(name, files.labels, opts)]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [imagesPath, labelsPath] = settled.map((r) => (r as PromiseFulfilledResult<string>).value);
  const [imageBytes, labelBytes] = await Promise.all([readFile(imagesPath), readFile(labelsPath)]);
  const images = parseIdxImages(imageBytes, imagesPath);
  const labels = parseIdxLabels(labelBytes, labelsPath);

  const [rows, cols] = info.featureShape;
  if (images.rows !== rows || images.cols !== cols) {
    throw new Error(`${imagesPath}: images are ${images.rows}x${images.cols}, expected ${rows}x${cols}`);
  }
  if (images.count !== labels.count) {
    throw new Error(`${name} ${split}: ${images.count} images but ${labels.count} labels`);
  }
  const features = new Float32Array(images.pixels.length);
  for (let i = 0; i < features.length; i++) features[i] = images.pixels[i] / 255;
  const labelArray = new Int32Array(labels.count);
  for (let i = 0; i < labels.count; i++) {
    const label = labels.labels[i];
    if (label >= info.classes) throw new Error(`${labelsPath}: label ${label} at index ${i} is out of range 0..${info.classes - 1}`);
    labelArray[i] = label;
  }
  return { features, labels: labelArray, featureShape: [rows, cols], samples: images.count, classes: info.classes };
}
