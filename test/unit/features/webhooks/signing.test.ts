import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newSecret, signatureHeaders, signingSecrets } from '../../../../src/features/webhooks/signing.js';
import { webhookBody } from '../../../../src/features/webhooks/payload.js';

describe('signatureHeaders', () => {
  it('signs as the standardwebhooks library verifies, and a changed body or a wrong secret does not verify', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = webhookBody('job.failed', new Date('2026-01-02T03:04:05Z'), { id: 'j1', status: 'failed', error: 'diverged' });
    const headers = signatureHeaders('d1', new Date(), body, [secret]);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('diverged', 'fine'), headers)).toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });

  it('carries one signature per secret during a rotation: either secret verifies', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const now = new Date();
    const secrets = signingSecrets({ secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(now.getTime() + 1000) }, now);
    expect(secrets).toEqual([current, previous]);
    const headers = signatureHeaders('d1', now, '{}', secrets);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of secrets) expect(new Webhook(secret).verify('{}', headers)).toEqual({});
    // Once the overlap is over, only the current one signs.
    expect(signingSecrets({ secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(now.getTime() - 1) }, now)).toEqual([current]);
  });
});

describe('webhookBody', () => {
  it('is { type, timestamp, data: { id, status, links } }, null fields left out, stored UTC times given their zone', () => {
    const body = JSON.parse(
      webhookBody('job.succeeded', new Date('2026-01-02T03:04:05Z'), {
        id: 'j1',
        status: 'succeeded',
        error: null,
        modelId: 'm1',
        studyId: 's1',
        finishedAt: '2026-01-02T03:04:05.123',
      }),
    );
    expect(body).toEqual({
      type: 'job.succeeded',
      timestamp: '2026-01-02T03:04:05.000Z',
      data: {
        id: 'j1',
        status: 'succeeded',
        modelId: 'm1',
        studyId: 's1',
        finishedAt: '2026-01-02T03:04:05.123Z',
        links: { self: '/jobs/j1', metrics: '/jobs/j1/metrics', events: '/jobs/j1/events', model: '/models/m1', study: '/studies/s1' },
      },
    });
    expect(JSON.parse(webhookBody('model.created', new Date(0), { id: 'm1', status: 'created', jobId: 'j1' })).data.links).toEqual({
      self: '/models/m1',
      job: '/jobs/j1',
    });
    expect(JSON.parse(webhookBody('study.failed', new Date(0), { id: 's1', status: 'failed' })).data.links).toEqual({ self: '/studies/s1' });
  });
});
