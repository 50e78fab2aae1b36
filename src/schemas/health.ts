import { Type } from 'typebox';

export const HealthBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], {
      description: '`ok` when the database and the queue answer; `degraded` (HTTP 503) otherwise',
    }),
    backend: Type.String({ description: 'TensorFlow.js backend of this process: tensorflow, webgpu, wasm or cpu' }),
    backendDetail: Type.Optional(Type.String({ description: 'e.g. "tensorflow (tfjs-node-gpu)", "webgpu (nvidia, ampere: NVIDIA A100)", "wasm (simd)"' })),
    adapter: Type.Union(
      [
        Type.Object(
          {
            vendor: Type.String({ description: 'e.g. "nvidia", "mesa"' }),
            architecture: Type.String({ description: 'e.g. "hopper", "software"' }),
            description: Type.String({ description: 'The driver\'s name for the device, e.g. "NVIDIA H100 80GB HBM3", "llvmpipe: Mesa 25..."' }),
            fallback: Type.Boolean({ description: 'A software adapter: WebGPU emulated on the CPU (lavapipe, SwiftShader)' }),
          },
          { description: 'The adapter' },
        ),
        Type.Null(),
      ],
      { description: 'The WebGPU adapter the backend runs on; null on other backends' },
    ),
    db: Type.Union([Type.Literal('ok'), Type.Literal('down')], { description: 'PostgreSQL: `ok` or `down`' }),
    queue: Type.Union([Type.Literal('ok'), Type.Literal('down')], { description: 'The job queue (see `queueBackend`): `ok` or `down`' }),
    queueBackend: Type.String({ description: '`redis` or `postgres`' }),
    errors: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Only when degraded: the failing check (`db`, `queue`) and its error' })),
  },
  { title: 'Health' },
);
