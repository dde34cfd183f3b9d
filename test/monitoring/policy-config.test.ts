// The monitoring policy in the app config: SHOP_MLOPS_MONITORING_POLICY names a JSON file parsed by parseMonitoringPolicy; its problems are listed with every other config problem.
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../functions/src/core/config';
import { ShopMlopsError } from '../../functions/src/core/errors';
import { DEFAULT_MONITORING_POLICY } from '../../functions/src/monitoring/config';
import { tempDir } from '../helpers/runtime';

test('no file: the defaults; a file: its values over the defaults', () => {
  expect(loadConfig({}).monitoringPolicy).toEqual(DEFAULT_MONITORING_POLICY);
  const file = `${tempDir()}/policy.json`;
  writeFileSync(file, JSON.stringify({ models: { propensity: { metric: 'precision', threshold: 0.8, minOutcomes: 500 } }, promotion: { holdHours: 6 }, everyMinutes: 15 }));
  const p = loadConfig({ SHOP_MLOPS_MONITORING_POLICY: file }).monitoringPolicy;
  expect(p.models).toEqual({ propensity: { metric: 'precision', threshold: 0.8, minOutcomes: 500 } });
  expect(p.promotion).toEqual({ holdHours: 6, ramp: [5, 25, 50, 100] });
  expect(p.everyMinutes).toBe(15);
  expect(p.guardrail).toEqual(DEFAULT_MONITORING_POLICY.guardrail);
});

test('a bad policy file is CONFIG_INVALID naming the env variable and each problem, beside the other problems', () => {
  const file = `${tempDir()}/policy.json`;
  writeFileSync(file, JSON.stringify({ models: { propensity: { metric: 'precision', threshold: 1.5 } }, promotion: { ramp: [50, 25] } }));
  const err = (() => {
    try {
      loadConfig({ SHOP_MLOPS_MONITORING_POLICY: file, PORT: 'x' });
    } catch (e) {
      return e;
    }
    return null;
  })();
  expect(err).toBeInstanceOf(ShopMlopsError);
  const problems = (err as ShopMlopsError).details!['problems'] as string[];
  expect(problems).toEqual([
    expect.stringMatching(/^port \(PORT\): /),
    expect.stringMatching(/^monitoringPolicyFile \(SHOP_MLOPS_MONITORING_POLICY\): models\.propensity\.threshold: /),
  ]);
  expect(() => loadConfig({ SHOP_MLOPS_MONITORING_POLICY: file.replace('policy.json', 'absent.json') })).toThrow(/monitoringPolicyFile \(SHOP_MLOPS_MONITORING_POLICY\): cannot read .*absent\.json: ENOENT/);
  writeFileSync(file, '{"promotion": {"ramp": [50, 25]}}');
  expect(() => loadConfig({ SHOP_MLOPS_MONITORING_POLICY: file })).toThrow(/monitoringPolicyFile \(SHOP_MLOPS_MONITORING_POLICY\): promotion\.ramp: steps must increase/);
});
