import { describe, expect, it } from 'vitest';
import { LOG_LEVELS, loadConfig } from '../../../src/infra/config.js';

describe('loadConfig: LOG_LEVEL', () => {
  it("accepts each of pino's levels, default info", () => {
    expect(loadConfig({}).LOG_LEVEL).toBe('info');
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(loadConfig({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
    expect([...LOG_LEVELS]).toEqual(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  });

  it('fails at start on any other value, naming the variable', () => {
    for (const level of ['verbose', 'INFO', 'warning']) expect(() => loadConfig({ LOG_LEVEL: level })).toThrow(/LOG_LEVEL/);
  });
});

describe('loadConfig: WASM_THREADS', () => {
  it('defaults to 1 (the single-threaded wasm build) and takes 1 to 8', () => {
    expect(loadConfig({}).WASM_THREADS).toBe(1);
    for (const n of [1, 2, 8]) expect(loadConfig({ WASM_THREADS: String(n) }).WASM_THREADS).toBe(n);
  });

  it('fails at start on anything else, naming the variable', () => {
    for (const bad of ['0', '9', 'two', '-1']) expect(() => loadConfig({ WASM_THREADS: bad })).toThrow(/WASM_THREADS/);
  });
});

describe('loadConfig: WORKER_LOCK_S', () => {
  it('defaults to 15 s and takes 1 s to an hour, fractions too', () => {
    expect(loadConfig({}).WORKER_LOCK_S).toBe(15);
    for (const s of ['1', '4', '2.5', '3600']) expect(loadConfig({ WORKER_LOCK_S: s }).WORKER_LOCK_S).toBe(Number(s));
  });

  it('fails at start on anything else, naming the variable', () => {
    for (const bad of ['0', '0.5', '3601', '1e12', 'Infinity', 'NaN', '-4', 'soon']) expect(() => loadConfig({ WORKER_LOCK_S: bad })).toThrow(/WORKER_LOCK_S/);
  });
});

describe('loadConfig: WEBHOOK_RETRY_SCHEDULE', () => {
  it('defaults to ten retries over about a day and takes seconds, fractions too, or none', async () => {
    const { parseRetrySchedule } = await import('../../../src/infra/config.js');
    const schedule = parseRetrySchedule(loadConfig({}).WEBHOOK_RETRY_SCHEDULE);
    expect(schedule).toHaveLength(10);
    const total = schedule.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20 * 3600);
    expect(total).toBeLessThan(36 * 3600);
    expect(parseRetrySchedule(loadConfig({ WEBHOOK_RETRY_SCHEDULE: ' 0.2, 1,60 ' }).WEBHOOK_RETRY_SCHEDULE)).toEqual([0.2, 1, 60]);
    expect(parseRetrySchedule('none')).toEqual([]);
  });

  it('fails at start on anything else, naming the variable and the entry', () => {
    for (const bad of ['5,,30', '-1', 'soon', '1e3', 'Infinity', 'NaN', '5;30', '604801', Array(51).fill('1').join(',')]) {
      expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: bad }), bad).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    }
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5,x' })).toThrow(/entry 2/);
  });
});

describe('loadConfig: SECRETS_KEY', () => {
  it('is optional, and takes 32 bytes as hex or base64', () => {
    expect(loadConfig({}).SECRETS_KEY).toBeUndefined();
    const hex = 'a'.repeat(64);
    expect(loadConfig({ SECRETS_KEY: hex }).SECRETS_KEY).toBe(hex);
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ SECRETS_KEY: base64 }).SECRETS_KEY).toBe(base64);
  });

  it('fails at start on a malformed key, naming the variable', () => {
    for (const bad of ['short', 'a'.repeat(63), 'a'.repeat(66), Buffer.alloc(16).toString('base64'), 'x'.repeat(300)]) {
      expect(() => loadConfig({ SECRETS_KEY: bad }), bad).toThrow(/Invalid configuration:\n {2}SECRETS_KEY/);
    }
  });
});
