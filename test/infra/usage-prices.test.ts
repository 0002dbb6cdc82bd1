import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../shared/config/env-names.ts';
import { synthApp } from './synth.ts';

const environmentOf = (stacks: ReturnType<typeof synthApp>['stacks'], name: string) => {
  const fn = stacks.api.httpApi.functions.get(name)?.function.node.defaultChild as CfnFunction | undefined;
  if (!fn) throw new Error(`no function named ${name}`);
  const env = stacks.api.resolve(fn.environment) as { variables?: Record<string, string> } | undefined;
  return env?.variables ?? {};
};

describe('the usage price table', () => {
  it('reaches the usage functions only, from the prices context', () => {
    const prices = { instanceHourlyUsd: { 'c6i.large': 0.085 }, volumeGb: 50 };
    const { stacks } = synthApp({ prices });
    for (const name of ['usage-server', 'usage-tenant']) {
      expect(JSON.parse(environmentOf(stacks, name)[ENV.prices] ?? 'null')).toEqual(prices);
    }
    expect(environmentOf(stacks, 'servers-start')[ENV.prices]).toBeUndefined();
  });

  it('is left to the built-in defaults without context', () => {
    const { stacks } = synthApp();
    expect(environmentOf(stacks, 'usage-server')[ENV.prices]).toBeUndefined();
  });

  it('fails synth when invalid, naming the field', () => {
    expect(() => synthApp({ prices: '{"ipv4HourlyUsd": -1}' })).toThrow(/ipv4HourlyUsd/);
  });
});
