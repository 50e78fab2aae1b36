import { describe, expect, it } from 'vitest';
import { LOG_LEVELS, loadConfig } from '../../src/config.js';

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
