// Settings: flags beat environment, bad values fail with the setting's name, README lists all.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ConfigError, loadConfig, settings } from './config.js';
import { packageRoot } from './lib/paths.js';

test('defaults need no configuration and mean embedded mode', () => {
  const c = loadConfig({}, {});
  expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', embedded: true, worker: 'auto', cookieSecure: false });
  expect(c.dataDir).toBe(path.resolve('./data'));
  expect(c.publicUrl).toBe('http://127.0.0.1:3000');
});

test('flags override environment variables', () => {
  const c = loadConfig({ port: '4100' }, { FRONTLINE_PORT: '4000', FRONTLINE_DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://h/db' });
  expect(c.port).toBe(4100);
  expect(c.dataDir).toBe('/tmp/x');
  expect(c.embedded).toBe(false);
});

test('an https public URL makes the cookie Secure', () => {
  expect(loadConfig({}, { FRONTLINE_PUBLIC_URL: 'https://help.example.com/' })).toMatchObject({
    cookieSecure: true,
    publicUrl: 'https://help.example.com',
  });
});

test('invalid values fail naming the environment variable and flag', () => {
  expect(() => loadConfig({}, { FRONTLINE_PORT: 'eighty' })).toThrow(ConfigError);
  expect(() => loadConfig({}, { FRONTLINE_PORT: 'eighty' })).toThrow(/FRONTLINE_PORT \/ --port/);
  expect(() => loadConfig({ worker: 'sometimes' }, {})).toThrow(/FRONTLINE_WORKER/);
});

test('the README configuration table lists every setting with its flag', () => {
  const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
  for (const s of Object.values(settings)) {
    expect(readme, `README is missing ${s.env}`).toContain(`\`${s.env}\``);
    expect(readme, `README is missing ${s.flag}`).toContain(`\`${s.flag}\``);
  }
});
