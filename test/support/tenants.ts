import type { Harness } from './harness.js';

/** Headers for a request with an API key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface TenantKeys {
  tenantId: string;
  member: string;
  viewer: string;
  memberKeyId: string;
}

/**
 * Turns auth on in a harness (open mode until the first key) and makes an admin key of the
 * `default` tenant, through the admin API as a fresh local install would.
 */
export async function bootstrapAdmin(h: Harness): Promise<string> {
  const res = await h.app.inject({
    method: 'POST',
    url: '/admin/keys',
    payload: { tenantId: '00000000-0000-0000-0000-000000000001', role: 'admin', name: 'test admin' },
  });
  if (res.statusCode !== 201) throw new Error(`could not create the first admin key: ${res.statusCode} ${res.body}`);
  return res.json().key as string;
}

/** A new tenant with a member and a viewer key, made with the admin key. */
export async function makeTenant(h: Harness, adminKey: string, name: string, quotas?: Record<string, number>): Promise<TenantKeys> {
  const tenant = await h.app.inject({ method: 'POST', url: '/admin/tenants', headers: bearer(adminKey), payload: { name, ...(quotas ? { quotas } : {}) } });
  if (tenant.statusCode !== 201) throw new Error(`tenant: ${tenant.statusCode} ${tenant.body}`);
  const tenantId = tenant.json().id as string;
  const key = async (role: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/admin/keys', headers: bearer(adminKey), payload: { tenantId, role } });
    if (res.statusCode !== 201) throw new Error(`key: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string; key: string };
  };
  const member = await key('member');
  const viewer = await key('viewer');
  return { tenantId, member: member.key, viewer: viewer.key, memberKeyId: member.id };
}

/** 32 samples of 4 features in 2 classes, as the JSON upload takes them. */
export function tinyDatasetBody(name: string) {
  const features = Array.from({ length: 32 }, (_, i) => [0, 1, 2, 3].map((f) => Math.sin(i * 7.3 + f * 1.7)));
  return { name, features, labels: features.map((x) => (x[0] + x[1] > 0 ? 1 : 0)) };
}

/** A quick job on an uploaded dataset of {@link tinyDatasetBody}. */
export function tinyJobSpec(datasetId: string, over: Record<string, unknown> = {}) {
  return {
    dataset: { id: datasetId },
    model: {
      layers: [
        { type: 'Dense', units: 4, activation: 'relu', inputShape: [4] },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    },
    compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    fit: { epochs: 1, batchSize: 16, seed: 1 },
    diagnostics: { enabled: false },
    ...over,
  };
}
