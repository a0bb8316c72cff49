// Once per test run: on PGlite, migrate one template database and dump it, so each test file
// loads a ready database in about a second instead of running initdb (about 5 s) itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';

export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('templateDump', '');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-template-'));
  const database = await openDatabase({ inMemory: true });
  await migrate(database.db);
  const dump = await database.dumpDataDir!();
  await database.close();
  const file = path.join(dir, 'template.tar');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('templateDump', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDump: string;
  }
}
