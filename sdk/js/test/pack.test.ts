// The package as published: `npm pack` output installed into an empty
// folder with no network (`npm install --offline`), beside its one
// dependency packed from the SDK's own install, then imported by name and
// used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { programDigest } from '../dist/index.js';
import { repoFile, tempDir } from './helpers.js';

const sdk = fileURLToPath(new URL('..', import.meta.url));

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('the packed SDK installs offline into an empty folder and verifies a query there', async () => {
  const dir = tempDir();
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], sdk))[0];
  const files = (packed.files as Array<{ path: string }>).map((f) => f.path);
  for (const needed of ['dist/index.js', 'dist/index.d.ts', 'wasm/zkpass_wasm.js', 'wasm/zkpass_wasm_bg.wasm', 'README.md']) {
    assert.ok(files.includes(needed), `${needed} is packed: ${files.join(', ')}`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources and tests stay out');
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const jose = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir, './node_modules/jose'], sdk))[0];
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, jose.filename), join(dir, packed.filename)], app);
  const query = repoFile('examples/bank-loan-approved/query.json');
  writeFileSync(
    join(app, 'check.mjs'),
    `import { programDigest, generateKeyPair, signUserData, peekData } from 'zkpass-sdk';
const key = await generateKeyPair();
const token = await signUserData({ a: 1 }, key.privateKey);
console.log(JSON.stringify({ digest: await programDigest(process.argv[2], ['']), data: peekData(token) }));`,
  );
  const out = JSON.parse(run('node', ['check.mjs', query], app));
  assert.equal(out.digest, await programDigest(query, ['']));
  assert.deepEqual(out.data, { a: 1 });
});
