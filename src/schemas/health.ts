import { Type } from 'typebox';

export const HealthBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], {
      description: '`ok` when the database and the queue answer; `degraded` (HTTP 503) otherwise',
    }),
    backend: Type.String({ description: 'TensorFlow.js backend of this process: tensorflow, wasm or cpu' }),
    backendDetail: Type.Optional(Type.String({ description: 'e.g. "tensorflow (tfjs-node-gpu, CUDA)"' })),
    db: Type.Union([Type.Literal('ok'), Type.Literal('down')], { description: 'PostgreSQL: `ok` or `down`' }),
    queue: Type.Union([Type.Literal('ok'), Type.Literal('down')], { description: 'The job queue (see `queueBackend`): `ok` or `down`' }),
    queueBackend: Type.String({ description: '`redis` or `postgres`' }),
    errors: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Only when degraded: the failing check (`db`, `queue`) and its error' })),
  },
  { title: 'Health' },
);
