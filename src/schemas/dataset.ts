import { Type, type Static } from 'typebox';
import { exampleDatasetJson } from './examples.js';

export const DatasetJsonBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'A label for the dataset' }),
    features: Type.Array(Type.Array(Type.Union([Type.Number(), Type.Array(Type.Number())])), {
      minItems: 1,
      description: 'One row per sample: number[] (vectors) or number[][] (e.g. images)',
    }),
    labels: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0 }), { description: 'One class index per sample; omit for an unlabeled dataset (autoencoders)' }),
    ),
  },
  { additionalProperties: false, title: 'DatasetJsonBody', examples: [exampleDatasetJson] },
);
export type DatasetJsonBody = Static<typeof DatasetJsonBody>;

export const DatasetCsvBody = Type.Object(
  {
    file: Type.String({ description: 'A CSV file with a header row' }),
    labelColumn: Type.Optional(Type.String({ description: 'Header of the column holding the labels; omit for an unlabeled dataset' })),
    name: Type.Optional(Type.String({ maxLength: 200, description: 'A label for the dataset; default: the file name' })),
  },
  { title: 'DatasetCsvUpload' },
);

export const DatasetSummary = Type.Object(
  {
    id: Type.String({ description: 'Dataset id (UUID); train on it with `dataset: { id }` in a job spec' }),
    name: Type.String({ description: 'The label given at upload' }),
    samples: Type.Integer({ description: 'Number of samples (rows)' }),
    featureShape: Type.Array(Type.Integer(), { description: 'Shape of one sample' }),
    classes: Type.Integer({ description: 'Number of classes (0 when unlabeled)' }),
    labelNames: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'CSV string labels, in class-index order' })),
    createdAt: Type.String({ format: 'date-time', description: 'When it was uploaded (ISO 8601)' }),
  },
  { title: 'DatasetSummary' },
);
export type DatasetSummary = Static<typeof DatasetSummary>;
