// Where attachment bytes live, behind a small interface so that an object store can replace the
// directory later. Keys are content hashes, so storing the same file twice keeps one copy, and a
// write that dies half-way never leaves a partial file under a real key.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export type FileStore = {
  /** Stores the bytes and returns their key (sha256). */
  put(data: Buffer): Promise<{ key: string; sha256: string; size: number }>;
  get(key: string): Promise<Buffer | null>;
};

const keyPattern = /^[0-9a-f]{64}$/;

export function createDirectoryFileStore(root: string): FileStore {
  const pathOf = (key: string) => path.join(root, key.slice(0, 2), key.slice(2, 4), key);
  return {
    async put(data) {
      const sha256 = createHash('sha256').update(data).digest('hex');
      const target = pathOf(sha256);
      await fs.mkdir(path.dirname(target), { recursive: true });
      try {
        await fs.access(target);
      } catch {
        const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
        await fs.writeFile(tmp, data);
        await fs.rename(tmp, target);
      }
      return { key: sha256, sha256, size: data.length };
    },
    async get(key) {
      if (!keyPattern.test(key)) return null;
      try {
        return await fs.readFile(pathOf(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}
