import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactCount, confusionHeatmapSvg, escapeXml, histogramCounts } from '../../src/eval/charts.js';
import { melanomaFirst } from '../../src/eval/report.js';

describe('chart helpers', () => {
  it('bins values in [0, 1] with 1.0 in the last bin', () => {
    assert.deepEqual(histogramCounts([0, 0.05, 0.5, 0.99, 1], 4), [2, 0, 1, 2]);
  });

  it('abbreviates large counts only', () => {
    assert.equal(compactCount(99_999), '99999');
    assert.equal(compactCount(123_456), '123k');
    assert.equal(compactCount(1_234_567), '1.23M');
  });

  it('escapes labels placed in SVG text', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
    assert.match(confusionHeatmapSvg(['x&y', 'z'], [[1, 0], [0, 1]], 't'), /x&amp;y/);
  });

  it('puts melanoma first and keeps the rest in order', () => {
    assert.deepEqual(melanomaFirst(['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']), ['mel', 'akiec', 'bcc', 'bkl', 'df', 'nv', 'vasc']);
    assert.deepEqual(melanomaFirst(['benign', 'Melanoma']), ['Melanoma', 'benign']);
  });
});
