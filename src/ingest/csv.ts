// Streaming CSV reading with a fast path. Lines are split on commas by hand, chunk by chunk; a line with
// quotes is split by splitQuotedLine when its quoted fields open and close on the line (police.uk quotes
// LSOA names with commas), and anything else (a field over several lines, a stray quote) restarts the
// file with csv-parse (the reference parser), so quoted commas and multi-line fields stay correct.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { InputError } from '../core/errors.ts';
import { CONTROL, controlCharacterError } from './validate.ts';

/** Called once per data record: the fields and the file's 1-based line number. */
export type RecordHandler = (fields: string[], line: number) => void;

/**
 * A handler that may take a record as its raw line (no quotes, CR stripped) before it is split: returns
 * false to have the line split and given to `record` instead (e.g. a field count it does not expect).
 * Only the hand-split fast path calls `line`; csv-parse, and a read holding a control character, call `record`.
 */
export interface LineAndRecordHandler {
  line: (text: string, line: number) => boolean;
  record: RecordHandler;
}

export interface CsvReadResult {
  /** sha256 of the file's bytes. */
  checksum: string;
  bytes: number;
  records: number;
  /** 'fast' when split by hand, 'csv-parse' when the file needed a full CSV parser. */
  parser: 'fast' | 'csv-parse';
}

export interface CsvReadOptions {
  /** Reports progress in bytes read. */
  onBytes?: (bytesRead: number, bytesTotal: number) => void;
  /** Name used in error messages (default: the file's base name). */
  displayName?: string;
  /** Read size in bytes (default 4 MiB); tests use tiny chunks to exercise lines split across reads. */
  chunkSize?: number;
}

const CHUNK = 1 << 22;
/** Bytes (read as Latin-1) that are or may begin a control character: C0 but tab/LF/CR, DEL, and 0xC2 (UTF-8's lead byte for U+0080-U+00BF). */
const CONTROL_BYTE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\xC2]/;

class NeedsFullParser extends Error {}

/**
 * The fields of one line holding double quotes, as RFC 4180 reads them ("a, b" and "say ""hi""" inside
 * quotes), or null for anything else: a quote that opens a field and does not close on the line (a field
 * over several lines), or a quote anywhere but around a whole field. Null sends the file to csv-parse.
 * (Real police.uk files quote LSOA names with a comma, e.g. "Bournemouth, Christchurch and Poole 042D".)
 */
export function splitQuotedLine(text: string): string[] | null {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return null;
        if (text.charCodeAt(q + 1) === 0x22) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      out.push(value);
      if (i === n) return out;
      if (text.charCodeAt(i) !== 0x2c) return null;
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const field = text.slice(i, end);
      if (field.indexOf('"') >= 0) return null;
      out.push(field);
      if (comma < 0) return out;
      i = comma + 1;
    }
  }
}

/** Strips a UTF-8 BOM and surrounding spaces from header names. */
export function cleanHeader(fields: string[]): string[] {
  return fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
}

/**
 * Reads a CSV file. `onHeader` receives the header row and returns the handler for the records
 * (called again from scratch if the file has to be re-read with the full parser).
 * Every record must have as many fields as the header; otherwise an InputError names the line.
 * No field may hold a control character (a NUL byte, U+0001-U+001F other than tab, U+007F-U+009F):
 * each read is scanned once, and only a read that holds one is checked line by line to name the field.
 */
export async function readCsv(path: string, onHeader: (header: string[]) => RecordHandler | LineAndRecordHandler, options: CsvReadOptions = {}): Promise<CsvReadResult> {
  try {
    return await readFast(path, onHeader, options);
  } catch (err) {
    if (!(err instanceof NeedsFullParser)) throw err;
    return await readWithCsvParse(path, onHeader, options);
  }
}

function fieldCountError(file: string, line: number, header: string[], found: number): InputError {
  const field = found < header.length ? header[found]! : `column ${header.length + 1}`;
  return new InputError(file, line, field, `${header.length} fields as in the header row`, `${found} fields`);
}

async function readFast(path: string, onHeader: (header: string[]) => RecordHandler | LineAndRecordHandler, options: CsvReadOptions): Promise<CsvReadResult> {
  const file = options.displayName ?? basename(path);
  const total = statSync(path).size;
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 0;
  let records = 0;
  let bytes = 0;
  let header: string[] | null = null;
  let handler: RecordHandler | null = null;
  let lineHandler: LineAndRecordHandler['line'] | null = null;

  // True while the text being split holds a control character somewhere: then every line is checked.
  let dirty = false;
  // True while the text being split (this read, or the start of a line carried over from earlier reads)
  // holds a double quote: only then is each line looked at for quotes (one memchr over the read's bytes
  // instead of a scan of every line).
  let quotesNear = false;
  const takeLine = (raw: string) => {
    line++;
    // CRLF: the CR may sit at the end of the previous read, so strip it from the whole line.
    const text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (text.length === 0) return;
    const quoted = quotesNear && text.indexOf('"') >= 0;
    if (!quoted && lineHandler !== null && !dirty && lineHandler(text, line)) {
      records++;
      return;
    }
    let fields: string[];
    if (quoted) {
      const split = splitQuotedLine(text);
      if (split === null) throw new NeedsFullParser();
      fields = split;
    } else fields = text.split(',');
    if (dirty && CONTROL.test(text)) throw controlCharacterError(file, line, header, fields)!;
    if (header === null) {
      header = cleanHeader(fields);
      const h = onHeader(header);
      if (typeof h === 'function') handler = h;
      else {
        handler = h.record;
        lineHandler = h.line;
      }
      return;
    }
    if (fields.length !== header.length) throw fieldCountError(file, line, header, fields.length);
    records++;
    handler!(fields, line);
  };

  const consume = (text: string, final: boolean) => {
    dirty = CONTROL.test(text) || (carry !== '' && CONTROL.test(carry));
    if (!quotesNear && carry !== '' && carry.indexOf('"') >= 0) quotesNear = true;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      takeLine(start === 0 && carry ? carry + text.slice(0, nl) : text.slice(start, nl));
      if (start === 0) carry = '';
      start = nl + 1;
    }
    const rest = text.slice(start);
    carry = start === 0 ? carry + rest : rest;
    if (final && carry) {
      takeLine(carry);
      carry = '';
    }
  };

  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      quotesNear = chunk.indexOf(0x22) >= 0;
      hash.update(chunk);
      bytes += chunk.length;
      consume(decoder.write(chunk), false);
      options.onBytes?.(bytes, total);
    }
  } finally {
    stream.destroy();
  }
  quotesNear = false;
  consume(decoder.end(), true);
  if (header === null) throw new InputError(file, 1, null, 'a header row', 'an empty file');
  return { checksum: hash.digest('hex'), bytes, records, parser: 'fast' };
}

async function readWithCsvParse(path: string, onHeader: (header: string[]) => RecordHandler | LineAndRecordHandler, options: CsvReadOptions): Promise<CsvReadResult> {
  const file = options.displayName ?? basename(path);
  const total = statSync(path).size;
  const hash = createHash('sha256');
  let bytes = 0;
  let records = 0;
  let header: string[] | null = null;
  let handler: RecordHandler | null = null;
  const source = createReadStream(path, { highWaterMark: options.chunkSize ?? CHUNK });
  // Set once a read holds a byte that may start a control character; from then on each record is checked.
  let dirty = false;
  source.on('data', (chunk) => {
    if (!dirty && CONTROL_BYTE.test((chunk as Buffer).toString('latin1'))) dirty = true;
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    options.onBytes?.(bytes, total);
  });
  const parser = source.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (dirty) {
        const bad = controlCharacterError(file, info.lines, header, record);
        if (bad) throw bad;
      }
      if (header === null) {
        header = cleanHeader(record);
        const h = onHeader(header);
        handler = typeof h === 'function' ? h : h.record;
        continue;
      }
      if (record.length !== header.length) throw fieldCountError(file, info.lines, header, record.length);
      records++;
      handler!(record, info.lines);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as { code?: string; lines?: number; message?: string };
    if (e.code?.startsWith('CSV_')) throw new InputError(file, e.lines ?? null, null, 'well-formed CSV', e.message ?? e.code);
    throw err;
  } finally {
    source.destroy();
  }
  if (header === null) throw new InputError(file, 1, null, 'a header row', 'an empty file');
  return { checksum: hash.digest('hex'), bytes, records, parser: 'csv-parse' };
}

/** The first line of a text file (for kind detection), without reading the whole file. */
export async function firstLine(path: string): Promise<string> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024, end: 64 * 1024 - 1 });
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  stream.destroy();
  const nl = text.indexOf('\n');
  return (nl >= 0 ? text.slice(0, nl) : text).replace(/\r$/, '').replace(/^\uFEFF/, '');
}

/** Splits a header line for detection: csv-parse for quoted headers, commas otherwise. */
export function splitHeaderLine(text: string): string[] {
  if (!text.includes('"')) return cleanHeader(text.split(','));
  try {
    const rows = parseSync(text, { relax_column_count: true, relax_quotes: true }) as string[][];
    return cleanHeader(rows[0] ?? []);
  } catch {
    return cleanHeader(text.split(','));
  }
}
