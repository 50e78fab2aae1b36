import { parse } from 'csv-parse/sync';
import { ProblemCollector, pointer, specError } from '../core/problems.js';
import { FLOAT32_MAX } from './float32.js';
import { MAX_CLASSES, type Dataset } from './types.js';

/** Options of {@link parseCsvDataset}. */
export interface CsvOptions {
  /** Header name of the label column; without it the dataset is unlabeled. */
  labelColumn?: string;
}

/** A dataset parsed from CSV, with the names it came with. */
export interface CsvDataset {
  dataset: Dataset;
  /** Header names of the feature columns, in feature order. */
  featureNames: string[];
  /**
   * Original label strings by class index when labels were strings (first appearance order);
   * null when labels were integers used as class indices, or when the dataset is unlabeled.
   */
  labelNames: string[] | null;
}

// Non-negative integer labels are class indices as they are; anything else is a class name.
const CLASS_INDEX = /^\d+$/;
// A decimal number, as a CSV means it: Number() would also read 0x10, 0b11, 0o7 and 'Infinity'.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseRows(text: string | Buffer): string[][] {
  try {
    return parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    const e = err as Error & { lines?: number };
    return specError('/file', `invalid CSV${e.lines ? ` near line ${e.lines}` : ''}: ${e.message}`);
  }
}

/**
 * Parses a CSV file with a header row into a dataset: every column except `labelColumn`
 * is a numeric feature. Problems are reported with JSON pointers: `/labelColumn`,
 * `/header/<i>` and `/rows/<i>/<column name>` where `i` counts data rows from 0.
 * @throws SpecError for input the user must fix.
 */
export function parseCsvDataset(text: string | Buffer, opts: CsvOptions = {}): CsvDataset {
  const records = parseRows(text);
  if (records.length === 0) specError('/file', 'the CSV is empty; it needs a header row and at least one data row');
  const header = records[0];
  const rows = records.slice(1);

  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') specError(pointer('', 'header', i), `column ${i + 1} has an empty header`);
    if (seen.has(name)) specError(pointer('', 'header', i), `duplicate column name ${JSON.stringify(name)}`);
    seen.set(name, i);
  });

  let labelIndex = -1;
  if (opts.labelColumn !== undefined) {
    labelIndex = seen.get(opts.labelColumn) ?? -1;
    if (labelIndex < 0) {
      specError('/labelColumn', `no column named ${JSON.stringify(opts.labelColumn)}; the header has ${header.map((h) => JSON.stringify(h)).join(', ')}`);
    }
  }
  const featureColumns = header.map((_, i) => i).filter((i) => i !== labelIndex);
  if (featureColumns.length === 0) specError('/file', 'the CSV has no feature columns');
  if (rows.length === 0) specError('/file', 'the CSV has a header but no data rows');

  const width = featureColumns.length;
  const features = new Float32Array(rows.length * width);
  const rawLabels: string[] = [];
  const problems = new ProblemCollector('invalid CSV dataset');

  for (let r = 0; r < rows.length && !problems.full; r++) {
    const row = rows[r];
    if (row.length !== header.length) {
      problems.add(pointer('', 'rows', r), `data row ${r + 1} has ${row.length} cells, the header has ${header.length}`);
      continue;
    }
    for (let f = 0; f < width; f++) {
      const c = featureColumns[f];
      const cell = row[c];
      // Number('') is 0 and Number('0x10') 16, so only decimal text is converted.
      const value = DECIMAL.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(value)) {
        problems.add(pointer('', 'rows', r, header[c]), `data row ${r + 1}, column ${JSON.stringify(header[c])}: ${JSON.stringify(cell)} is not a finite decimal number`);
      } else if (Math.abs(value) > FLOAT32_MAX) {
        problems.add(pointer('', 'rows', r, header[c]), `data row ${r + 1}, column ${JSON.stringify(header[c])}: ${cell} is beyond float32 range (|x| <= ${FLOAT32_MAX}), in which features are stored`);
      } else {
        features[r * width + f] = value;
      }
    }
    if (labelIndex >= 0) {
      const label = row[labelIndex];
      if (label === '') problems.add(pointer('', 'rows', r, header[labelIndex]), `data row ${r + 1} has an empty label`);
      rawLabels.push(label);
    }
  }
  problems.throwIfAny();

  let labels: Int32Array | null = null;
  let labelNames: string[] | null = null;
  let classes = 0;
  if (labelIndex >= 0) {
    labels = new Int32Array(rows.length);
    if (rawLabels.every((l) => CLASS_INDEX.test(l))) {
      for (let i = 0; i < rawLabels.length; i++) {
        const value = Number(rawLabels[i]);
        if (!Number.isSafeInteger(value) || value >= MAX_CLASSES) specError(pointer('', 'rows', i, header[labelIndex]), `label ${rawLabels[i]} is too large: class indices go up to ${MAX_CLASSES - 1}`);
        labels[i] = value;
        if (value + 1 > classes) classes = value + 1;
      }
    } else {
      const index = new Map<string, number>();
      for (let i = 0; i < rawLabels.length; i++) {
        let k = index.get(rawLabels[i]);
        if (k === undefined) {
          k = index.size;
          index.set(rawLabels[i], k);
        }
        labels[i] = k;
      }
      labelNames = [...index.keys()];
      classes = labelNames.length;
    }
  }

  return {
    dataset: { features, labels, featureShape: [width], samples: rows.length, classes },
    featureNames: featureColumns.map((i) => header[i]),
    labelNames,
  };
}
