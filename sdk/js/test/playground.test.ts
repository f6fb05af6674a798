// The playground in a real browser: Debian's Chromium driven by
// playwright-core against `zkpass playground`. Every example is proven
// and verified in the page; the disclosure budget refuses a query naming
// the field; each tamper button shows its typed error; a queued job is
// cancelled; the keyboard alone and a phone-width screen suffice; the
// console stays free of errors and no request leaves the origin.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { startService, targetDir, tempDir, zkpassBin } from './helpers.js';

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_BIN. */
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PROOF_TIMEOUT_MS = 240_000;

/** Where the screenshots go: `<target>/playground/`. */
const SHOTS = join(targetDir(), 'playground');

interface Playground {
  base: string;
  child: ChildProcess;
  log: () => string;
}

async function startPlayground(): Promise<Playground> {
  const child = spawn(zkpassBin(), ['playground', '--listen', '127.0.0.1:0', '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let log = '';
  child.stderr!.on('data', (c) => (log += c));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zkpass playground did not start:\n${log}`)), 60_000);
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/playground\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`zkpass playground exited ${code}:\n${log}`)));
  });
  return { base, child, log: () => log };
}

interface Example {
  name: string;
  expected: Record<string, unknown> | null;
}

describe('the playground in Chromium', { timeout: 20 * 60_000 }, () => {
  let playground: Playground;
  let browser: Browser;
  let context: BrowserContext;
  let examples: Example[];
  const consoleErrors: string[] = [];
  const otherOrigins: string[] = [];
  const failedResponses: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's \`chromium\` (scripts/test does) or set CHROMIUM_BIN`);
    mkdirSync(SHOTS, { recursive: true });
    playground = await startPlayground();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.on('request', (request) => {
      if (!request.url().startsWith(`${playground.base}/`)) otherOrigins.push(request.url());
    });
    context.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    context.on('page', (page) => {
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    });
    const session = (await (await fetch(`${playground.base}/playground/api/session`)).json()) as { examples: Example[] };
    examples = session.examples;
  });

  after(async () => {
    await browser?.close();
    playground?.child.kill('SIGINT');
  });

  async function open(): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${playground.base}/playground/`);
    await page.waitForSelector('body[data-ready]');
    assert.equal(await page.getAttribute('body', 'data-ready'), 'true', await page.textContent('#status') ?? '');
    return page;
  }

  /** Waits until the live check has judged the query (passed, refused or failed). */
  async function checked(page: Page): Promise<string> {
    await page.waitForFunction(() => ['ok', 'error', 'refused'].includes(document.getElementById('query-status')?.dataset.state ?? ''));
    return (await page.textContent('#query-status')) ?? '';
  }

  /** Saves the page's exports in a fresh folder and runs its `zkpass prove` and `zkpass verify` snippet there. */
  async function reproduceWithCli(page: Page, output: Record<string, unknown>): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
    const dir = tempDir();
    for (const area of await page.$$('[data-export]')) {
      const name = (await area.getAttribute('data-export'))!;
      writeFileSync(join(dir, name), await area.inputValue());
    }
    const env = { ...process.env, PATH: `${dirname(zkpassBin())}:${process.env.PATH}` };
    const cli = spawnSync('bash', ['-euo', 'pipefail', 'zkpass.sh'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), output, 'zkpass verify prints the output the page verified');
    return { dir, env };
  }

  async function proveAndVerify(page: Page): Promise<Record<string, unknown>> {
    await checked(page);
    await page.click('#prove');
    await page.waitForSelector('body[data-verified], body[data-proof^="failed"]', { timeout: PROOF_TIMEOUT_MS });
    assert.equal(await page.getAttribute('body', 'data-verified'), 'true', `${await page.textContent('#prove-error')} ${await page.textContent('#verdict')}`);
    return JSON.parse((await page.textContent('#output')) ?? '') as Record<string, unknown>;
  }

  test('each bundled example is proven and verified in the page to its expected output', async () => {
    const page = await open();
    for (const [index, example] of examples.entries()) {
      await page.selectOption('#example', String(index));
      assert.match(await checked(page), /The query checks/, example.name);
      await page.waitForSelector('#cost[data-state="done"]', { timeout: PROOF_TIMEOUT_MS });
      assert.match((await page.textContent('#cost')) ?? '', /Padded height2\^\d+ rows \(exact: run on the data\).*Predicted proving time/, example.name);
      const output = await proveAndVerify(page);
      assert.match((await page.textContent('#timing')) ?? '', /Proof in .* \(predicted .*\)/, 'predicted against actual time');
      assert.deepEqual(output, example.expected, example.name);
      assert.match((await page.textContent('#verdict')) ?? '', /expected output/);
      const states = await page.$$eval('#checks li', (items) => items.map((li) => (li as HTMLElement).dataset.state));
      assert.deepEqual(states, ['passed', 'passed', 'passed', 'passed', 'passed'], example.name);
      assert.match((await page.textContent('#facts')) ?? '', /Verification in this browser\d+/);
      if (index === 0) await page.screenshot({ path: join(SHOTS, 'verified.png'), fullPage: true });
    }
    await page.close();
  });

  test('a trustless proof on a chosen evaluation date is verified with no trust in the service, its commitment root shown as linking, and the zkpass snippet reproduces it', async () => {
    const page = await open();
    await page.check('input[name=trust][value=trustless]');
    await page.check('input[name=request][value=sync]');
    const yesterday = await page.getAttribute('#date', 'min');
    assert.ok(yesterday);
    await page.fill('#date', yesterday);
    const output = await proveAndVerify(page);
    assert.deepEqual(output, examples[0]!.expected);
    assert.match((await page.textContent('#facts')) ?? '', new RegExp(`Evaluation date${yesterday}`), 'the chosen evaluation date is the proof\'s');
    assert.match((await page.textContent('#checks')) ?? '', /No trust in the service/);
    assert.match((await page.textContent('#who')) ?? '', /commitment root of each document is a public input/);
    assert.match(await page.inputValue('[data-export="user_data.opening.json"]'), /commitment_token/);
    await reproduceWithCli(page, output);
    await page.close();
  });

  test('the exported files and the zkpass, curl and TypeScript snippets reproduce a trusted run', async () => {
    const page = await open();
    await page.selectOption('#example', '0');
    const output = await proveAndVerify(page);
    const { dir, env } = await reproduceWithCli(page, output);
    // curl posts the encrypted request body and gets a proof token
    const curl = spawnSync('bash', ['-euo', 'pipefail', 'curl.sh'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(curl.status, 0, curl.stderr);
    const answer = JSON.parse(curl.stdout) as { status: number; output: string };
    assert.equal(answer.status, 200);
    assert.equal(answer.output.split('.').length, 3, 'a compact JWS');
    // the TypeScript snippet, run by Node against this package's build
    const ts = readFileSync(join(dir, 'reproduce.ts'), 'utf8').replace("from 'zkpass-sdk'", `from '${new URL('../dist/index.js', import.meta.url).href}'`);
    writeFileSync(join(dir, 'reproduce.mjs'), ts);
    const node = spawnSync(process.execPath, ['reproduce.mjs'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(node.status, 0, node.stderr);
    assert.deepEqual(JSON.parse(node.stdout), output);
    await page.close();
  });

  test('a query over the disclosure budget is refused, naming the field, before anything is proven', async () => {
    const page = await open();
    const query = JSON.parse(await page.inputValue('#query')) as unknown[];
    query.push({ output: { city: { dvar: 'personalInfo.city' } } });
    await page.fill('#query', JSON.stringify(query, null, 2));
    const status = await checked(page);
    assert.match(status, /Disclosure/);
    assert.match(status, /personalInfo\.city/);
    assert.equal(await page.getAttribute('#disclosure tr[data-field="personalInfo.city"]', 'class'), 'over');
    await page.screenshot({ path: join(SHOTS, 'refusal.png'), fullPage: true });
    await page.click('#prove');
    assert.match((await page.textContent('#prove-error')) ?? '', /does not consent.*personalInfo\.city/);
    assert.equal(await page.$$eval('#progress li', (l) => l.length), 0, 'nothing was sent');

    // a syntax error names the statement position
    await page.fill('#query', '[{"output": {"x": {"no_such_op": [1]}}}]');
    assert.match(await checked(page), /query\[0\]/);
    // the issuer's public marker, toggled off, puts the raw first name over the budget
    await page.selectOption('#example', '0');
    assert.match(await checked(page), /The query checks/);
    await page.uncheck('input[data-field="personalInfo.firstName"]');
    await page.waitForFunction(() => document.getElementById('query-status')?.classList.contains('refused'));
    assert.match((await page.textContent('#query-status')) ?? '', /personalInfo\.firstName/);
    await page.close();
  });

  test('each tamper button shows the typed error the verifier gives', async () => {
    const page = await open();
    await proveAndVerify(page);
    const expected: Record<string, [string, string]> = {
      output: ['InvalidToken', 'signature'],
      dvr: ['MismatchedDvrDigest', 'dvr'],
      expire: ['ExpiredZkPassProof', 'freshness'],
      root: ['MissingPublicKey', 'signature'],
    };
    for (const [button, [code, check]] of Object.entries(expected)) {
      await page.click(`[data-tamper="${button}"]`);
      await page.waitForFunction((c) => document.getElementById('tamper-result')?.dataset.code === c, code);
      assert.match((await page.textContent('#tamper-result')) ?? '', new RegExp(code));
      assert.equal(await page.getAttribute(`#checks li[data-check="${check}"]`, 'data-state'), 'failed', button);
    }
    // in trustless mode a changed output fails the STARK itself
    await page.check('input[name=trust][value=trustless]');
    await proveAndVerify(page);
    await page.click('[data-tamper="output"]');
    await page.waitForFunction(() => document.getElementById('tamper-result')?.dataset.code === 'InvalidZkProof');
    assert.equal(await page.getAttribute('#checks li[data-check="stark"]', 'data-state'), 'failed');
    await page.close();
  });

  test('a queued job is cancelled from the page and the service deletes it', async () => {
    // the second page estimates its cost first: while every prover is busy the service answers NotReady
    const waiting = await open();
    await checked(waiting);
    await waiting.waitForSelector('#cost[data-state="done"]');
    const busy = await open();
    const kyc = examples.findIndex((e) => e.name === 'kyc-full-language');
    await busy.selectOption('#example', String(kyc));
    await checked(busy);
    await busy.waitForSelector('#cost[data-state="done"]');
    await busy.click('#prove');
    await busy.waitForSelector('body[data-proof="proving"]', { timeout: PROOF_TIMEOUT_MS });
    await waiting.click('#prove');
    await waiting.waitForSelector('body[data-proof="queued"]', { timeout: PROOF_TIMEOUT_MS });
    assert.match((await waiting.textContent('#progress')) ?? '', /Queued, position \d/);
    const job = await waiting.getAttribute('body', 'data-job');
    assert.ok(job, 'the page knows its job');
    await waiting.click('#cancel');
    await waiting.waitForSelector('body[data-proof="cancelled"]');
    const status = await fetch(new URL(job, playground.base), { headers: { authorization: `Basic ${btoa('demo-api-key:demo-api-secret')}` } });
    assert.equal(status.status, 410, 'the cancelled job is gone');
    await busy.waitForSelector('body[data-verified="true"]', { timeout: PROOF_TIMEOUT_MS });
    await busy.close();
    await waiting.close();
  });

  test('the keyboard alone runs an example at phone width, with nothing wider than the screen', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${playground.base}/playground/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.keyboard.press('Tab'); // the skip link
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'example');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#example'), '1');
    await checked(page);
    let presses = 0;
    while ((await page.evaluate(() => document.activeElement?.id)) !== 'prove') {
      await page.keyboard.press('Tab');
      assert.ok(++presses < 200, 'Tab reaches the Prove button');
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-verified="true"]', { timeout: PROOF_TIMEOUT_MS });
    assert.deepEqual(JSON.parse((await page.textContent('#output')) ?? ''), examples[1]!.expected);
    const [scrollWidth, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    const widest = await page.evaluate(() => {
      const over = Array.from(document.querySelectorAll("body *")).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5);
      return over.slice(0, 5).map((e) => `${e.tagName}#${e.id}.${e.className}`);
    });
    assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide on a ${width} px screen: ${widest.join(', ')}`);
    await page.close();
  });

  test('the browser console shows no error and no request went to another origin', () => {
    assert.deepEqual(consoleErrors, [], `answers with an error status: ${failedResponses.join(', ')}`);
    assert.deepEqual(otherOrigins, []);
  });
});

describe('zkpass serve', () => {
  test('serves no playground page and no signing endpoint', async () => {
    const service = await startService({ workers: 0 });
    try {
      assert.equal((await fetch(`${service.base}/playground/`)).status, 404);
      assert.equal((await fetch(`${service.base}/playground/api/session`)).status, 404);
      const issue = await fetch(`${service.base}/playground/api/issue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ documents: { '': { a: 1 } } }),
      });
      assert.equal(issue.status, 404);
    } finally {
      await service.stop();
    }
  });
});
