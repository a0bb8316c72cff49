// Sends a table as a CSV or XLSX download, streamed: rows are written as the client reads them.
// Everything that can refuse (validation, permissions) must have run before this is called; once
// the first byte is out, a failure can only cut the download short (and is logged).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentTypes, createTableWriter, exportFileName, type Cell, type Column, type ExportFormat } from '../lib/table-export.js';

export function sendTable(
  req: FastifyRequest,
  reply: FastifyReply,
  table: { format: ExportFormat; columns: Column[]; rows: AsyncIterable<Cell[]>; name: string; at: Date },
): FastifyReply {
  const writer = createTableWriter(table.format, table.columns, table.name);
  void (async () => {
    try {
      for await (const row of table.rows) await writer.writeRow(row);
      await writer.end();
    } catch (err) {
      req.log.error({ err }, 'export failed part way');
      writer.stream.destroy(err as Error);
    }
  })();
  return reply
    .header('content-type', contentTypes[table.format])
    .header('content-disposition', `attachment; filename="${exportFileName(table.name, table.format, table.at)}"`)
    .send(writer.stream);
}
