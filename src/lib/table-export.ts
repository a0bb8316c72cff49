// Tables streamed out as CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs
// read accents right) or XLSX (exceljs's streaming writer), row by row, so an export of a million
// rows never holds them in memory.
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';

export const exportFormats = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export type Cell = string | number | boolean | Date | null;
export type Column = { header: string; width?: number };

export const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export type TableWriter = {
  /** The bytes, to send as the response body. */
  stream: PassThrough;
  /** Resolves when the consumer is ready for more (backpressure). */
  writeRow(cells: Cell[]): Promise<void>;
  end(): Promise<void>;
};

export function csvCell(v: Cell): string {
  if (v === null) return '';
  const text = v instanceof Date ? v.toISOString() : String(v);
  // A leading = + - @ would make a spreadsheet run the cell as a formula (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) && typeof v === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function waitForDrain(stream: PassThrough, ok: boolean): Promise<void> {
  return ok ? Promise.resolve() : new Promise((resolve) => stream.once('drain', () => resolve()));
}

function csvWriter(columns: Column[]): TableWriter {
  const stream = new PassThrough();
  stream.write(`\uFEFF${columns.map((c) => csvCell(c.header)).join(',')}\r\n`);
  return {
    stream,
    writeRow: (cells) => waitForDrain(stream, stream.write(`${cells.map(csvCell).join(',')}\r\n`)),
    end: async () => {
      stream.end();
    },
  };
}

function xlsxWriter(columns: Column[], sheetName: string): TableWriter {
  const stream = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31) || 'Export');
  sheet.columns = columns.map((c, i) => ({ header: c.header, key: `c${i}`, width: c.width ?? 18 }));
  sheet.getRow(1).font = { bold: true };
  return {
    stream,
    writeRow: async (cells) => {
      sheet.addRow(cells.map((c) => (c === null ? undefined : c))).commit();
      // exceljs writes into `stream` as it zips; wait when the client reads slower than we write.
      if (stream.writableNeedDrain) await waitForDrain(stream, false);
    },
    end: async () => {
      sheet.commit();
      await workbook.commit();
    },
  };
}

export function createTableWriter(format: ExportFormat, columns: Column[], sheetName = 'Export'): TableWriter {
  return format === 'csv' ? csvWriter(columns) : xlsxWriter(columns, sheetName);
}

export function exportFileName(base: string, format: ExportFormat, at: Date): string {
  return `${base}-${at.toISOString().slice(0, 16).replace(/[-:]/g, '')}Z.${format}`;
}
