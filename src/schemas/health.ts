import { Type } from 'typebox';

export const HealthBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    backend: Type.String({ description: 'TensorFlow.js backend of this process: tensorflow, wasm or cpu' }),
    backendDetail: Type.Optional(Type.String({ description: 'e.g. "tensorflow (tfjs-node-gpu, CUDA)"' })),
    db: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
    queue: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
    queueBackend: Type.String({ description: '`redis` or `postgres`' }),
    errors: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { title: 'Health' },
);
