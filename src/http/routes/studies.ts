import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../deps.js';
import { ErrorBody, IdParams, Page } from '../../schemas/common.js';
import { Study, StudyCreated, StudyListQuery, StudyQuery, StudyRequest, StudyStatus, StudySummary } from '../../schemas/study.js';
import { unavailable } from '../../core/errors.js';
import { audit } from '../../features/tenants/audit.js';
import { cancelStudy, createStudy, getStudy, listStudies } from '../../features/studies/studies.js';
import { JOB_SPEC_LIMIT_BYTES } from '../body-limits.js';
import { jobSpecValidator } from '../../schemas/job-spec-validator.js';

export const exampleStudy = {
  name: 'activation-x-bn',
  base: {
    dataset: { builtin: 'fashion-mnist', split: 'train', limit: 2000, seed: 1 },
    validation: { split: 0.2 },
    model: {
      layers: [
        { type: 'Flatten', inputShape: [28, 28] },
        { type: 'Dense', units: 64, activation: 'relu', kernelInitializer: 'he_normal' },
        { type: 'Activation', activation: 'linear' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'sgd', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 3, seed: 1 },
  },
  parameters: {
    '/model/layers/1/activation': ['sigmoid', 'relu', 'selu'],
    bn: { off: { '/model/layers/2': { type: 'Activation', activation: 'linear' } }, on: { '/model/layers/2': { type: 'BatchNormalization' } } },
  },
  method: 'grid',
  repeats: 2,
  metric: 'val_accuracy',
};

export function studyRoutes(deps: AppDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const studyDeps = () => {
      if (!deps.studyQueue) throw unavailable('the study queue');
      return { ...deps, studyQueue: deps.studyQueue };
    };
    // The check each trial's spec goes through, compiled now rather than on the first study.
    jobSpecValidator();

    app.post(
      '/studies',
      {
        config: { access: 'write' },
        // A base spec and the values its parameters take: the size of a job spec.
        bodyLimit: JOB_SPEC_LIMIT_BYTES,
        schema: {
          tags: ['studies'],
          summary: 'Start a study: trial jobs over a grid, random draws or ASHA, with repeats',
          description:
            'Every trial spec is built and checked as POST /jobs checks a spec before anything is queued: a pointer that is not in the base, a value the spec schema refuses or a plan over MAX_STUDY_TRIALS is a 400 naming the field. `{ "preset": "chapter-11" }` runs the chapter\'s activation x initializer x batch-normalization study.',
          body: { ...StudyRequest, examples: [exampleStudy] },
          response: { 201: StudyCreated, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const created = await createStudy(studyDeps(), request.auth, request.body);
        await audit(deps.db, request.auth, 'create', 'study', created.id);
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/studies',
      {
        config: { access: 'read' },
        schema: {
          tags: ['studies'],
          summary: 'List studies, newest first',
          querystring: StudyListQuery,
          response: { 200: Page(StudySummary, 'StudyPage'), 400: ErrorBody },
        },
      },
      async (request) => listStudies(deps.db, request.auth, request.query),
    );

    app.get(
      '/studies/:id',
      {
        config: { access: 'read' },
        schema: {
          tags: ['studies'],
          summary: 'A study: its trials, the ranking (mean, std and 95% interval over repeats; each row against the best), effects, importance and warnings',
          description:
            'Repeat r of every configuration trains with the same seeds, so each configuration is compared with the best on differences paired by repeat: the mean difference, its 95% t interval and a two-sided p-value from the paired t-test, or from the Wilcoxon signed-rank test with `?test=wilcoxon`.',
          params: IdParams,
          querystring: StudyQuery,
          response: { 200: Study, 404: ErrorBody },
        },
      },
      async (request) => getStudy(deps.db, deps.config.DATABASE_SCHEMA, request.auth, request.params.id, request.query),
    );

    app.post(
      '/studies/:id/cancel',
      {
        config: { access: 'write' },
        schema: {
          tags: ['studies'],
          summary: 'Cancel every trial of a study that has not ended',
          description:
            'Queued trials end `cancelled` at once, running ones within a batch; trials not yet launched never start. 409 for a study that already ended (it is left as it is), as for a job.',
          params: IdParams,
          response: {
            202: Type.Object({
              id: Type.String({ description: 'Study id' }),
              status: StudyStatus,
              cancelledTrials: Type.Integer({ description: 'Trial jobs cancelled by this call' }),
            }),
            404: ErrorBody,
            409: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const result = await cancelStudy(deps, request.auth, request.params.id);
        await audit(deps.db, request.auth, 'cancel', 'study', result.id);
        return reply.status(202).send(result);
      },
    );
  };
}
