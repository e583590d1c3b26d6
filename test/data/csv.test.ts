import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsvSyntaxError, formatCsv, parseCsv, readCsvTable } from '../../src/data/csv.js';
import { DatasetError } from '../../src/data/errors.js';
import { tempDir, writeText } from './helpers.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

test('plain rows, LF and CRLF line ends, trailing newline', () => {
  assert.deepEqual(fields('a,b\n1,2\n'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(fields('a,b\r\n1,2\r\n3,4'), [['a', 'b'], ['1', '2'], ['3', '4']]);
  assert.deepEqual(fields('a,b\r1,2'), [['a', 'b'], ['1', '2']]);
});

test('quoted fields hold commas, newlines and doubled quotes', () => {
  const records = parseCsv('id,note\nx,"a, b"\ny,"line1\r\nline2"\nz,"say ""hi"""\n');
  assert.deepEqual(records.map((r) => r.fields), [['id', 'note'], ['x', 'a, b'], ['y', 'line1\r\nline2'], ['z', 'say "hi"']]);
  // line numbers point at where each record starts, multi-line fields included
  assert.deepEqual(records.map((r) => r.line), [1, 2, 3, 5]);
});

test('a quoted field after a comma is still a quoted field', () => {
  assert.deepEqual(fields('a,"b,c",d'), [['a', 'b,c', 'd']]);
});

test('BOM is removed, blank lines are skipped, empty fields are kept', () => {
  assert.deepEqual(fields('\uFEFFid,dx\n\nA,,\n\n'), [['id', 'dx'], ['A', '', '']]);
});

test('unterminated quote is an error naming file and line', () => {
  assert.throws(() => parseCsv('a,b\n1,"open\n2,3', 'x.csv'), (err: unknown) => {
    assert.ok(err instanceof CsvSyntaxError);
    assert.equal(err.file, 'x.csv');
    assert.equal(err.line, 2);
    return true;
  });
  assert.throws(() => parseCsv('"a"b', 'y.csv'), /y\.csv:1: unexpected character "b" after a closing quote/);
});

test('readCsvTable keys rows by header and reports ragged rows and missing columns together', async () => {
  const dir = await tempDir();
  const good = join(dir, 'good.csv');
  await writeText(good, '\uFEFFimage_id,dx\r\nA, mel \r\n');
  const table = await readCsvTable(good, ['image_id', 'dx']);
  assert.deepEqual(table.rows, [{ line: 2, values: { image_id: 'A', dx: 'mel' } }]);

  const ragged = join(dir, 'ragged.csv');
  await writeText(ragged, 'image_id,dx\nA\nB,nv,extra\nC,bcc\n');
  await assert.rejects(readCsvTable(ragged), (err: unknown) => {
    assert.ok(err instanceof DatasetError);
    assert.deepEqual(err.problems.map((p) => p.file), [`${ragged}:2`, `${ragged}:3`]);
    return true;
  });
  await assert.rejects(readCsvTable(good, ['lesion_id']), /missing column\(s\) lesion_id/);
});

test('formatCsv quotes only what needs it and round-trips through parseCsv', () => {
  const text = formatCsv(['id', 'note'], [['a', 'plain'], ['b', 'with, comma'], ['c', 'with "quote"']]);
  assert.equal(text.split('\n')[2], 'b,"with, comma"');
  assert.deepEqual(fields(text), [['id', 'note'], ['a', 'plain'], ['b', 'with, comma'], ['c', 'with "quote"']]);
});

test('formatCsv quotes a lone CR and writes empty cells for undefined', () => {
  const text = formatCsv(['id', 'note', 'n'], [['a', 'x\ry', 1], ['b', undefined, true]]);
  assert.equal(text, 'id,note,n\na,"x\ry",1\nb,,true\n');
  assert.deepEqual(fields(text), [['id', 'note', 'n'], ['a', 'x\ry', '1'], ['b', '', 'true']]);
});
