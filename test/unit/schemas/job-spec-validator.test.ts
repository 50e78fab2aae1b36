import { Ajv } from 'ajv';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installValidators } from '../../../src/http/plugins/validation.js';
import { jobRoutes } from '../../../src/http/routes/jobs.js';
import { studyRoutes } from '../../../src/http/routes/studies.js';
import { JobSpec } from '../../../src/schemas/job-spec.js';
import { tinySpec } from '../../support/tiny-job.js';

// Each unit file runs in a process of its own: nothing has compiled the job spec's check before.
const jobSpecCompiles = (compile: { mock: { calls: unknown[][] } }) => compile.mock.calls.filter(([schema]) => schema === JobSpec).length;

describe('the job spec check for specs the service builds (retries, study trials)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is compiled when the retry and study routes are registered, once for both, and not again when used', async () => {
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    const app = Fastify();
    installValidators(app);
    await app.register(jobRoutes({} as never));
    await app.register(studyRoutes({} as never));
    await app.ready();
    // POST /jobs's own route validators compile it too; the shared check, once more, not twice.
    const atStart = jobSpecCompiles(compile);
    expect(atStart).toBeGreaterThan(0);
    const { jobSpecValidator } = await import('../../../src/schemas/job-spec-validator.js');
    const validate = jobSpecValidator();
    expect(jobSpecValidator()).toBe(validate);
    expect(validate(tinySpec())).toBe(true);
    expect(validate({ ...tinySpec(), fit: { epochs: 0 } })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/fit/epochs');
    expect(jobSpecCompiles(compile)).toBe(atStart);
    await app.close();
  });
});
