// Real data: DEFAULT_PARAMS are what the validation split (train < 2011-06-01, validate June–August 2011) picks.
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { TEST_START, UCI_FILE, VALIDATION_START } from '../../functions/src/eval/recommendations';
import { temporalHoldout } from '../../functions/src/models/recommend/holdout';
import { lastTime } from '../../functions/src/models/recommend/interactions';
import { DEFAULT_PARAMS, type RecommenderParams } from '../../functions/src/models/recommend/model';
import { readPurchasesCsv } from '../../functions/src/models/recommend/purchases-csv';
import { DEFAULT_GRID, tuneOnHoldout, type TuningGrid } from '../../functions/src/models/recommend/tune';
import { testNeedingShared } from '../helpers/shared';

const file = path.resolve(__dirname, '../../../shared/data', UCI_FILE);
const maybe = testNeedingShared(file, 'UCI recommendation tuning');

/** A one-value grid at p. */
const at = (p: RecommenderParams): TuningGrid => ({ unit: [p.unit], maxUnitItems: [p.maxUnitItems], unitWeighting: [p.unitWeighting], shrinkage: [p.shrinkage], alpha: [p.alpha], neighbours: [p.neighbours], halfLifeDays: [p.halfLifeDays] });
const pick = (p: RecommenderParams) => ({ unit: p.unit, maxUnitItems: p.maxUnitItems, unitWeighting: p.unitWeighting, shrinkage: p.shrinkage, alpha: p.alpha, neighbours: p.neighbours, halfLifeDays: p.halfLifeDays });

maybe('DEFAULT_PARAMS beat every other value along each axis of the tuning grid on the validation split only', async () => {
  const { interactions } = await readPurchasesCsv(createReadStream(file));
  const validation = temporalHoldout(interactions, VALIDATION_START, TEST_START);
  // Nothing from the test period is visible: training lines end before June, relevant items come from June–August.
  expect(lastTime(validation.train)).toBeLessThan(VALIDATION_START);
  expect(validation.testEnd).toBe(TEST_START);
  const base = at(DEFAULT_PARAMS);
  const scores: string[] = [];
  for (const axis of Object.keys(DEFAULT_GRID) as (keyof TuningGrid)[]) {
    const grid = { ...base, [axis]: [...new Set([...(DEFAULT_GRID[axis] as unknown[]), DEFAULT_PARAMS[axis]])] } as TuningGrid;
    const r = tuneOnHoldout(validation, 10, grid);
    scores.push(`${axis}: ${r.trials.map((t) => `${String(t.params[axis])}=${t.metrics.precision.toFixed(4)}`).join(' ')}`);
    expect(r.best.params).toEqual(pick(DEFAULT_PARAMS));
    expect(r.best.metrics.precision).toBeGreaterThan(2 * r.popularity.precision);
  }
  console.log(scores.join('\n'));
}, 90_000);
