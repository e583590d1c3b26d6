/**
 * RFC 4180 CSV: quoted fields (with "" escapes and embedded commas/newlines), LF, CRLF or CR line
 * ends, an optional UTF-8 BOM. Dataset CSVs come from Excel, pandas and hand edits, so splitting
 * on commas and newlines is not enough. Reading stays our own: csv-parse names the line where a
 * record or an unterminated quote ends (and counts a quoted CRLF as two lines), where dataset
 * errors must name the line it starts on; writing is csv-stringify's.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { DatasetError } from './errors.js';

export interface CsvRecord {
  /** 1-based line on which the record starts, for error messages. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

/** Parses CSV text into records. Blank lines are skipped. `file` only labels errors. */
export function parseCsv(text: string, file = '<csv>'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let atFieldStart = true; // a quote only opens a quoted field here
  let recordEmpty = true; // a line with nothing on it is skipped, not read as one empty field

  const endRecord = () => {
    if (!recordEmpty) {
      fields.push(field);
      records.push({ line: recordLine, fields });
    }
    fields = [];
    field = '';
    atFieldStart = true;
    recordEmpty = true;
  };

  while (pos < text.length) {
    const ch = text[pos]!;
    if (recordEmpty) recordLine = line;
    if (ch === '\r' || ch === '\n') {
      endRecord();
      pos += ch === '\r' && text[pos + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    recordEmpty = false;
    if (ch === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      pos++;
      continue;
    }
    if (ch === '"' && atFieldStart) {
      const quoteLine = line;
      pos++;
      for (;;) {
        if (pos >= text.length) throw new CsvSyntaxError(file, quoteLine, 'unterminated quoted field');
        const c = text[pos]!;
        if (c === '"') {
          if (text[pos + 1] === '"') {
            field += '"';
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        if (c === '\n' || (c === '\r' && text[pos + 1] !== '\n')) line++;
        field += c;
        pos++;
      }
      const after = text[pos];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
        throw new CsvSyntaxError(file, line, `unexpected character ${JSON.stringify(after)} after a closing quote`);
      }
      atFieldStart = false;
      continue;
    }
    field += ch;
    atFieldStart = false;
    pos++;
  }
  endRecord();
  return records;
}

/** A CSV with a header row, rows keyed by (trimmed) column name. */
export interface CsvTable {
  file: string;
  columns: string[];
  rows: { line: number; values: Record<string, string> }[];
}

/**
 * Reads a CSV with a header. Rows whose field count differs from the header's are reported
 * together as a DatasetError; `required` columns that are missing are an error too.
 */
export async function readCsvTable(file: string, required: readonly string[] = []): Promise<CsvTable> {
  const text = await readFile(file, 'utf8');
  const records = parseCsv(text, file);
  const header = records[0];
  if (!header) throw new DatasetError(`Empty CSV ${file}`, [{ file, problem: 'no header row' }]);
  const columns = header.fields.map((c) => c.trim());
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new DatasetError(`CSV ${file} lacks required columns`, [
      { file, problem: `missing column(s) ${missing.join(', ')}; header is: ${columns.join(',')}` },
    ]);
  }
  const problems: { file: string; problem: string }[] = [];
  const rows: CsvTable['rows'] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== columns.length) {
      problems.push({
        file: `${file}:${record.line}`,
        problem: `row has ${record.fields.length} fields, header has ${columns.length}`,
      });
      continue;
    }
    const values: Record<string, string> = {};
    columns.forEach((c, i) => (values[c] = record.fields[i]!.trim()));
    rows.push({ line: record.line, values });
  }
  if (problems.length > 0) throw new DatasetError(`Malformed CSV ${file}`, problems);
  return { file, columns, rows };
}

/** A value of a CSV cell; absent (undefined) is an empty cell. */
export type CsvValue = string | number | boolean | undefined;

/**
 * CSV text with a header row, written by csv-stringify. Fields are quoted where RFC 4180 needs it:
 * comma, quote or LF, and also a lone CR, which csv-stringify leaves bare by default.
 */
export function formatCsv(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return stringify([columns, ...rows].map((r) => r.map((v) => (v === undefined ? '' : String(v)))), { record_delimiter: '\n', quoted_match: /\r/ });
}
