import { describe, expect, test } from '@jest/globals';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { bcryptCostSetting, isTestRun } from '../../../src/services/iam/passwords.js';

const production = { NODE_ENV: 'production' };

describe('the bcrypt cost setting', () => {
  test('is 12 when unset, and accepts 12 or more anywhere', () => {
    expect(bcryptCostSetting(undefined, production)).toBe(12);
    expect(bcryptCostSetting('', production)).toBe(12);
    expect(bcryptCostSetting('13', production)).toBe(13);
    expect(bcryptCostSetting(12, {})).toBe(12);
  });

  test('below 12 is refused outside tests, accepted in a test run', () => {
    expect(() => bcryptCostSetting('4', production)).toThrow('the bcrypt cost must be at least 12 outside tests (asked: 4)');
    expect(() => bcryptCostSetting(11, {})).toThrow('at least 12 outside tests');
    expect(bcryptCostSetting('4', { NODE_ENV: 'test' })).toBe(4);
    expect(bcryptCostSetting('4', { CALYPSO_TEST: '1' })).toBe(4);
    expect(isTestRun({ CALYPSO_TEST: 'yes' })).toBe(false);
  });

  test("outside bcrypt's range or not a whole number is refused, even in tests", () => {
    for (const bad of ['3', '32', '12.5', 'twelve', '-12'])
      expect(() => bcryptCostSetting(bad, { NODE_ENV: 'test' })).toThrow(`the bcrypt cost must be a whole number from 4 to 31, not ${bad}`);
  });

  test('the command line and the environment set it; a production start with a low cost fails with a sentence', () => {
    expect(parseConfig([], production).bcryptCost).toBe(12);
    expect(parseConfig(['--bcrypt-cost', '14'], production).bcryptCost).toBe(14);
    expect(parseConfig([], { ...production, CALYPSO_BCRYPT_COST: '13' }).bcryptCost).toBe(13);
    expect(parseConfig([], { NODE_ENV: 'test', CALYPSO_BCRYPT_COST: '4' }).bcryptCost).toBe(4);
    expect(() => parseConfig([], { ...production, CALYPSO_BCRYPT_COST: '10' })).toThrow(ConfigError);
    expect(() => parseConfig(['--bcrypt-cost', '10'], production)).toThrow('--bcrypt-cost: the bcrypt cost must be at least 12 outside tests (asked: 10)');
  });
});
