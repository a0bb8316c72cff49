// Exports at scale: every case of the large dataset downloaded as CSV (and XLSX) through the real
// HTTP API, measuring rows per second and the server's resident memory while it streams — the
// point being that memory stays flat however many rows go out.
import http from 'node:http';
import { datasetLocation, datasetSizes, ensureDataset } from './dataset.js';
import type { InboxSetup } from './inbox.js';
import { sampleRss, startBenchServer } from './server.js';

type Options = { database: 'embedded' | 'postgres'; serverUrl?: string | undefined; quick: boolean; log: (line: string) => void };

/** Downloads a path, counting bytes and CRLF rows, without keeping the body. */
function download(port: number, path: string, token: string): Promise<{ status: number; bytes: number; lines: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export async function benchExport(options: Options): Promise<Record<string, unknown>> {
  const size = options.quick || options.database === 'embedded' ? datasetSizes.quick : datasetSizes.full;
  const loc = datasetLocation(options.database, size, options.serverUrl);
  const dataset = await ensureDataset(loc, size, { log: options.log });
  const server = await startBenchServer<InboxSetup>({
    database: loc.kind === 'postgres' ? { kind: 'postgres', url: loc.url } : { kind: 'embedded', dataDir: loc.dataDir },
    bare: false,
    setup: 'inbox',
    logLevel: 'warn',
  });
  try {
    const results: Record<string, unknown> = {};
    for (const format of options.quick ? ['csv'] : ['csv', 'xlsx']) {
      const idle = server.rssMiB();
      const rss = sampleRss(server.pid);
      options.log(`export: ${format} of every case`);
      const d = await download(server.appPort, `/api/cases/export?format=${format}`, server.setup.managerToken);
      const mem = rss.stop();
      if (d.status !== 200) throw new Error(`export answered ${d.status}`);
      results[format] = {
        megabytes: Math.round(d.bytes / 1e5) / 10,
        ...(format === 'csv' ? { rows: d.lines - 1, rowsPerSecond: Math.round((d.lines - 1) / (d.ms / 1000)) } : {}),
        seconds: Math.round(d.ms / 100) / 10,
        rssBeforeMiB: idle,
        rssDuringMiB: mem,
      };
    }
    return {
      bench: 'export',
      database: options.database,
      databaseVersion: server.databaseVersion,
      dataset: { size: size.label, ...dataset },
      ...results,
    };
  } finally {
    await server.stop();
  }
}
