import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownTable, parameterCount, percent, percentWithCi, pointsDifference, paperNumber } from '../../src/experiment/table.js';
import type { ConfidenceInterval } from '../../src/eval/bootstrap.js';

test('markdownTable pads columns, right-aligns numbers and escapes pipes', () => {
  const table = markdownTable([{ header: 'Encoder' }, { header: 'Dice', align: 'right' }], [['a|b', '89.56'], ['U-Net (original)', '—']]);
  assert.equal(table, [
    '| Encoder          |  Dice |',
    '|------------------|------:|',
    '| a\\|b             | 89.56 |',
    '| U-Net (original) |     — |',
  ].join('\n'));
  assert.throws(() => markdownTable([{ header: 'x' }], [['1', '2']]), /row 1 has 2 cells for 1 columns/);
});

test('numbers: percent, intervals, point differences, paper values, parameter counts', () => {
  assert.equal(percent(0.8956), '89.56');
  assert.equal(percent(null), '—');
  assert.equal(percent(Number.NaN), '—');
  const ci = { estimate: 0.5, lower: 0.4, upper: 0.61234 } as ConfidenceInterval;
  assert.equal(percentWithCi(0.5, ci), '50.00 (40.00–61.23)');
  assert.equal(percentWithCi(0.5, undefined), '50.00');
  assert.equal(pointsDifference(0.78, 0.8241), '+4.41');
  assert.equal(pointsDifference(0.5, 0.45), '-5.00');
  assert.equal(pointsDifference(undefined, 0.5), '—');
  assert.equal(paperNumber(82.41), '82.41');
  assert.equal(paperNumber(undefined), '—');
  assert.equal(parameterCount(31_043_521), '31.0M');
  assert.equal(parameterCount(412_480), '412.5k');
  assert.equal(parameterCount(950), '950');
});
