import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleModelImport } from '../../src/schemas/examples.js';
import { ROOT, startHarness, type Harness } from '../support/harness.js';
import { bearer, bootstrapAdmin, tinyDatasetBody } from '../support/tenants.js';

/** Runs the CLI as a user would (a fresh node process) with TTS_API_KEY set. */
function cli(args: string[], key: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args, '--url', h.baseUrl], {
      cwd: ROOT,
      env: { ...process.env, TTS_API_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let h: Harness;
let admin: string;

beforeAll(async () => {
  h = await startHarness();
  admin = await bootstrapAdmin(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('tfjs-train admin and lifecycle commands', () => {
  it('tenants, quotas, keys, usage, share and delete', async () => {
    const tenant = await cli(['tenants', 'create', 'team-cli'], admin);
    expect(tenant.stderr).toBe('');
    const tenantId = tenant.stdout.trim().split(/\s+/)[0];
    expect(tenantId).toMatch(/^[0-9a-f-]{36}$/);

    const quotas = await cli(['tenants', 'quotas', tenantId, 'runningJobs=2', 'storageMb=null'], admin);
    expect(quotas.stdout).toContain('{"runningJobs":2}');
    expect((await cli(['tenants', 'quotas', tenantId, 'bogus=1'], admin)).code).toBe(2);

    const created = await cli(['keys', 'create', tenantId, 'member', '--name', 'ci'], admin);
    expect(created.code, created.stderr).toBe(0);
    const member = created.stdout.trim().split('\n').at(-1)!;
    expect(member).toMatch(/^tts_/);

    const usage = await cli(['usage'], member);
    expect(usage.code, usage.stderr).toBe(0);
    expect(JSON.parse(usage.stdout)).toMatchObject({ tenantId, queuedJobs: 0, quotas: { runningJobs: 2 } });

    // What the member owns, made over HTTP; then shared and deleted from the CLI.
    const model = (await h.app.inject({ method: 'POST', url: '/models', headers: bearer(member), payload: exampleModelImport })).json().id as string;
    const dataset = (await h.app.inject({ method: 'POST', url: '/datasets', headers: bearer(member), payload: tinyDatasetBody('cli') })).json().id as string;
    const shared = await cli(['share', model, '00000000-0000-0000-0000-000000000001'], member);
    expect(shared.code, shared.stderr).toBe(0);
    expect(await h.db.modelShare.count({ where: { modelId: model } })).toBe(1);
    expect((await cli(['delete', 'dataset', dataset], member)).code).toBe(0);
    expect(await h.db.dataset.count({ where: { id: dataset } })).toBe(0);
    const missing = await cli(['delete', 'model', dataset], member);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404');

    // A member key may not use admin commands.
    expect((await cli(['keys', 'list'], member)).stderr).toContain('403');
    const keyId = (await h.db.apiKey.findFirstOrThrow({ where: { tenantId } })).id;
    expect((await cli(['keys', 'revoke', keyId], admin)).code).toBe(0);
    expect((await cli(['usage'], member)).stderr).toContain('401');
  }, 180_000);
});
