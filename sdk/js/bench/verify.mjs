// Benchmark: verifying zkPass proofs with the WebAssembly verifier in Node.
//
//   npm run bench -- [--runs N]      (compiles the test helpers, then runs this)
//
// Starts a `zkpass serve` (ZKPASS_BIN, else the debug build of the
// workspace), proves each bundled example once through the native CLI, then
// verifies each proof N times (default 20) in trustless and in trusted
// mode, and prints the module's size, its load time and the verification
// times (median and range, milliseconds). The module is the one
// scripts/build-wasm built (profile `wasm`: release with LTO).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  fetchServiceTrust,
  generateKeyPair,
  importKeyPair,
  loadWasm,
  publicKeyFromPem,
  Verifier,
} from '../dist/index.js';
import { repo, startService, zkpassOk } from '../test-build/helpers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);

const wasmFile = new URL('../wasm/zkpass_wasm_bg.wasm', import.meta.url);
const started = performance.now();
await loadWasm();
const loadMs = performance.now() - started;

const service = await startService();
const { dir } = service;
try {
  zkpassOk(['keygen', '--out', join(dir, 'issuer')]);
  const issuer = await importKeyPair(readFileSync(join(dir, 'issuer.pem'), 'utf8'), readFileSync(join(dir, 'issuer.pub.pem'), 'utf8'));
  const trust = await fetchServiceTrust(service.base, { root: publicKeyFromPem(service.rootPem), allowUnattested: true });
  console.log(`module: ${statSync(wasmFile).size} bytes; load and instantiate: ${loadMs.toFixed(0)} ms`);
  console.log('example | mode | proof bytes | verify median (min–max) ms');
  for (const name of readdirSync(join(repo, 'examples')).sort()) {
    const exampleDir = join(repo, 'examples', name);
    const docs = readdirSync(exampleDir).filter((f) => f.endsWith('.json') && !['query.json', 'expected_output.json'].includes(f));
    const tagged = !docs.includes('user_data.json');
    const verifier = new Verifier(await generateKeyPair());
    const dvr = await verifier.createDvr({
      title: name,
      query: readFileSync(join(exampleDir, 'query.json'), 'utf8'),
      userDataRequests: Object.fromEntries(docs.map((f) => [tagged ? f.replace(/\.json$/, '') : '', { issuerKey: issuer.publicKey }])),
    });
    const dvrFile = join(dir, `${name}.dvr`);
    writeFileSync(dvrFile, await verifier.signDvr(dvr));
    const userData = docs.flatMap((f) => {
      const opening = zkpassOk(['issue', '--key', join(dir, 'issuer.pem'), '--data', join(exampleDir, f), '--commit']);
      const file = join(dir, `${name}-${f}.opening`);
      writeFileSync(file, opening);
      return ['--user-data', tagged ? `${f.replace(/\.json$/, '')}:${file}` : file];
    });
    const token = zkpassOk(
      ['prove', '--service', service.base, '--root', service.rootPemPath, '--allow-unattested', '--yes', '--dvr-token', dvrFile, ...userData],
      { env: { ...process.env, ZKPASS_API_KEY: service.apiKey } },
    ).trim();
    for (const [mode, options] of [['trustless', {}], ['trusted', { service: trust }]]) {
      const times = [];
      for (let i = 0; i < runs; i += 1) {
        const t = performance.now();
        await verifier.verifyProof(token, { ...options, singleUse: false });
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      console.log(`${name} | ${mode} | ${token.length} | ${median.toFixed(1)} (${times[0].toFixed(1)}–${times.at(-1).toFixed(1)})`);
    }
  }
} finally {
  await service.stop();
}
