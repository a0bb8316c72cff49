// One process per embedded data directory. PGlite takes no lock of its own, and two processes
// writing one directory corrupt it, so Frontline keeps a lock file holding the owner's pid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const lockFileName = 'frontline.lock';

export type LockOwner = { pid: number; host: string; startedAt: string; purpose: string };

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Frontline process ` +
        `(pid ${owner.pid}, ${owner.purpose}, since ${owner.startedAt}). ` +
        `The embedded database allows one process at a time: stop that process first, ` +
        `or, while the server runs, do this through the web UI or the API.`,
    );
    this.name = 'DataDirInUseError';
  }
}

const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws DataDirInUseError; returns the release function. */
export function lockDataDir(dataDir: string, purpose: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, lockFileName);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), purpose };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      heldHere.add(file);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(file);
        const owner = readOwner(file);
        if (owner?.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      const stale =
        owner !== undefined && owner.host === me.host && !heldHere.has(file) && (owner.pid === process.pid || !isAlive(owner.pid));
      if (owner && !stale) throw new DataDirInUseError(dataDir, owner);
      // A crashed process left its lock behind (or the file is half-written): take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock on ${dataDir}`);
}
