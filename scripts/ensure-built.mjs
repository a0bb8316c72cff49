// Used by `npm start`: builds the server and web app when dist/ is missing or older than the
// sources, so `npm install && npm start` works on a fresh clone without a separate build step.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function builtAt(file) {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
}

const serverStale = builtAt(path.join(root, 'dist/cli/frontline.js')) < newestMtime(path.join(root, 'src'));
const webStale = builtAt(path.join(root, 'dist/web/index.html')) < newestMtime(path.join(root, 'web'));
if (serverStale || webStale) {
  process.stdout.write('Building Frontline (first start or sources changed)…\n');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
