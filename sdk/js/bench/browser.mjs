// Benchmark: verifying zkPass proofs with the WebAssembly verifier in
// Chromium, in the playground page.
//
//   npm run bench:browser -- [--runs N]
//
// Starts `zkpass playground` (ZKPASS_BIN, else the debug build of the
// workspace; the binary must embed the SDK bundle), opens the page in
// Debian's Chromium (CHROMIUM_BIN, else /usr/bin/chromium) through
// playwright-core, proves each bundled example once from the page (trusted
// mode), then verifies that proof N times (default 20) inside the page with
// the SDK the page loaded (`checkProof` in trusted mode: the service's
// signature, then every check down to the STARK), and prints the median and
// range in milliseconds, with the time Chromium takes to compile the module.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

import { zkpassBin } from '../test-build/helpers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);

const child = spawn(zkpassBin(), ['playground', '--listen', '127.0.0.1:0', '--workers', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
    const m = /(http:\/\/127\.0\.0\.1:\d+)\/playground\//.exec(out);
    if (m) resolve(m[1]);
  });
  child.once('exit', (code) => reject(new Error(`zkpass playground exited ${code}`)));
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${base}/playground/`);
  await page.waitForSelector('body[data-ready="true"]');
  const compileMs = await page.evaluate(async () => {
    const bytes = await (await fetch('/playground/sdk/zkpass_wasm_bg.wasm')).arrayBuffer();
    const t = performance.now();
    await WebAssembly.compile(bytes);
    return performance.now() - t;
  });
  console.log(`Chromium ${browser.version()}; compiling the module in the page: ${compileMs.toFixed(0)} ms`);
  console.log('example | proof bytes | verify median (min–max) ms');
  const names = await page.$$eval('#example option', (options) => options.map((o) => o.textContent));
  for (const [index, name] of names.entries()) {
    if (name === 'Blank case') continue;
    await page.selectOption('#example', String(index));
    await page.waitForSelector('#cost[data-state="done"]', { timeout: 120_000 });
    await page.click('#prove');
    await page.waitForSelector('body[data-verified="true"]', { timeout: 300_000 });
    const result = await page.evaluate(async (n) => {
      const zk = await import('/playground/sdk/zkpass-sdk.js');
      const value = (name) => document.querySelector(`[data-export="${name}"]`).value;
      const session = await (await fetch('/playground/api/session')).json();
      const token = value('proof.jwt');
      const dvr = JSON.parse(value('dvr.json'));
      const keys = {
        verifierKey: zk.publicKeyFromPem(value('verifier.pub.pem')),
        issuerKeys: Object.fromEntries(Object.keys(dvr.user_data_requests).map((tag) => [tag, session.issuer_key])),
      };
      const trust = await zk.fetchServiceTrust(location.origin, { root: session.service_root, allowUnattested: true });
      const measure = async (verify) => {
        const times = [];
        for (let i = 0; i < n; i += 1) {
          const t = performance.now();
          await verify();
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        return [times[Math.floor(times.length / 2)], times[0], times.at(-1)];
      };
      const trusted = await measure(() => zk.checkProof(token, dvr, keys, { service: trust }));
      return { bytes: token.length, trusted };
    }, runs);
    const f = ([median, min, max]) => `${median.toFixed(1)} (${min.toFixed(1)}–${max.toFixed(1)})`;
    console.log(`${name} | ${result.bytes} | ${f(result.trusted)}`);
  }
} finally {
  await browser.close();
  child.kill('SIGINT');
}
