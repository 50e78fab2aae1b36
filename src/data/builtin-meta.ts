import type { BuiltinName, BuiltinSplit } from './types.js';

/** The two IDX files of one split. */
export interface BuiltinSplitFiles {
  images: string;
  labels: string;
}

/** What the API needs to know about a built-in dataset without loading its files. */
export interface BuiltinInfo {
  featureShape: number[];
  classes: number;
  classNames: readonly string[];
  samples: Record<BuiltinSplit, number>;
  files: Record<BuiltinSplit, BuiltinSplitFiles>;
  /** Download base URL; a file's URL is `${baseUrl}/${file}`. */
  baseUrl: string;
  /** Published MD5 of each original `.gz` file, by file name. */
  md5: Readonly<Record<string, string>>;
  /** A dataset published as one archive (CIFAR-10) rather than IDX files: see `cifar.ts`. */
  archive?: CifarArchive;
}

/** The CIFAR binary archive: one tar.gz holding the batch files of both splits. */
export interface CifarArchive {
  file: string;
  sha256: string;
  /** The batch files of each split, by their name inside the archive (any folder). */
  batches: Record<BuiltinSplit, readonly string[]>;
}

// Both datasets use the same original file names, which keeps the two on-disk layouts alike.
const FILES: Record<BuiltinSplit, BuiltinSplitFiles> = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
};

/** Metadata of every built-in dataset, by name. */
export const BUILTINS: Readonly<Record<BuiltinName, BuiltinInfo>> = {
  'fashion-mnist': {
    featureShape: [28, 28],
    classes: 10,
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    samples: { train: 60_000, test: 10_000 },
    files: FILES,
    // The S3 website endpoint listed in the upstream README; it only serves plain http.
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
    md5: {
      'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
      't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
      't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
    },
  },
  mnist: {
    featureShape: [28, 28],
    classes: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    samples: { train: 60_000, test: 10_000 },
    files: FILES,
    // yann.lecun.com no longer serves the files reliably; torchvision's mirror does.
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist',
    md5: {
      'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
      't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
      't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
    },
  },
  'cifar-10': {
    featureShape: [32, 32, 3],
    classes: 10,
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    samples: { train: 50_000, test: 10_000 },
    files: { train: { images: 'cifar-10-binary.tar.gz', labels: 'cifar-10-binary.tar.gz' }, test: { images: 'cifar-10-binary.tar.gz', labels: 'cifar-10-binary.tar.gz' } },
    baseUrl: 'https://www.cs.toronto.edu/~kriz',
    md5: { 'cifar-10-binary.tar.gz': 'c32a1d4ab5d03f1284b67883e8d87530' },
    archive: {
      file: 'cifar-10-binary.tar.gz',
      // The official binary version (170,052,171 bytes).
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      batches: { train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'], test: ['test_batch.bin'] },
    },
  },
};

/** Names of the built-in datasets. */
export const BUILTIN_NAMES = Object.keys(BUILTINS) as BuiltinName[];

/** True when `name` is a built-in dataset name. */
export function isBuiltinName(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTINS, name);
}
