import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CHI_SQUARE_15_P0001, chiSquareCritical, chiSquareSurvival } from '../../src/transport/chi-square.js';

test('chi-square critical values match the published tables', () => {
  // Upper-tail quantiles from the NIST/SEMATECH e-Handbook, table 1.3.6.7.4, and df = 2 in closed form.
  const table: [number, number, number][] = [
    [1, 0.05, 3.841],
    [1, 0.001, 10.828],
    [10, 0.01, 23.209],
    [15, 0.05, 24.996],
    [15, 0.001, 37.697],
    [30, 0.1, 40.256],
  ];
  for (const [df, p, x] of table) assert.ok(Math.abs(chiSquareCritical(p, df) - x) < 0.002, `df ${df}, p ${p}: ${chiSquareCritical(p, df)} vs ${x}`);
  for (const x of [0.5, 3, 20, 60]) assert.ok(Math.abs(chiSquareSurvival(x, 2) - Math.exp(-x / 2)) < 1e-12, `df 2 at ${x}`);
  assert.ok(Math.abs(chiSquareCritical(0.0001, 15) - CHI_SQUARE_15_P0001) < 0.01);
  assert.ok(chiSquareCritical(0.0001 / 702, 15) > 60 && chiSquareCritical(0.0001 / 702, 15) < 63);
});
