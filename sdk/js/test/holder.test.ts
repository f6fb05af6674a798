// The whole flow in JavaScript against a real `zkpass serve`: the issuer
// signs, the verifier makes a DVR, the holder reads what it reveals,
// estimates the cost and has the service prove (sync and queued, trusted
// and trustless), the verifier checks the proof in WebAssembly. Then a
// queued job is cancelled through an AbortSignal, a retried submission
// names the same job, and a browser-style holder posts through its
// verifier's backend, which adds the API key and sees only ciphertext.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import {
  commitUserData,
  fetchServiceTrust,
  fetchTransport,
  generateKeyPair,
  Holder,
  peekData,
  publicKeyFromPem,
  signUserData,
  Verifier,
  ZkPassError,
} from '../dist/index.js';
import type { Progress, TransportRequest, TransportResponse } from '../dist/index.js';
import { LOAN, startService } from './helpers.js';
import type { Service } from './helpers.js';

const { query: QUERY, doc: DOC, expected: EXPECTED } = LOAN;

async function parties(service: Service) {
  const issuer = await generateKeyPair();
  const verifier = new Verifier(await generateKeyPair());
  const dvr = await verifier.createDvr({ title: 'loan', query: QUERY, userDataRequests: { '': { issuerKey: issuer.publicKey } }, nonce: true });
  const dvrToken = await verifier.signDvr(dvr);
  const trust = await fetchServiceTrust(service.base, { root: publicKeyFromPem(service.rootPem), allowUnattested: true });
  return { issuer, verifier, dvr, dvrToken, trust, holder: new Holder(service.base, { apiKey: service.apiKey }) };
}

describe('against a service that proves', () => {
  let service: Service;
  before(async () => {
    service = await startService();
  });
  after(async () => {
    await service?.stop();
  });

  test('issuer, verifier and holder in JavaScript: consent, cost, a queued proof, verified', async () => {
    const { issuer, verifier, dvrToken, trust, holder } = await parties(service);
    const userData = { '': await signUserData(DOC, issuer.privateKey) };
    const summary = await holder.disclosure(dvrToken, userData);
    assert.deepEqual((summary.report.outputs as Array<{ key: string }>).map((o) => o.key).sort(), Object.keys(EXPECTED).sort());
    assert.equal(summary.budget, null, 'the example fits the budget');
    const cost = await holder.estimateCost(trust, dvrToken, userData);
    assert.equal(cost.exact, true);
    assert.equal(cost.padded_height, 16384);
    const seen: Progress['state'][] = [];
    const token = await holder.generateProof(trust, dvrToken, userData, { onProgress: (p) => seen.push(p.state) });
    assert.equal(seen[0], 'submitted');
    assert.equal(seen.at(-1), 'done');
    const { output } = await verifier.verifyProof(token, { service: trust });
    assert.deepEqual(output, EXPECTED);
  });

  test('a synchronous proof over an issuer commitment made in JavaScript, verified trustlessly', async () => {
    const { issuer, verifier, dvrToken, trust, holder } = await parties(service);
    const opening = await commitUserData(DOC, issuer.privateKey, { kid: 'issuer-1', jku: 'https://issuer.example/jwks.json' });
    assert.ok(opening.salts.length >= Object.keys(DOC).length, 'a salt per leaf');
    assert.ok(opening.salts.every((s) => /^[0-9a-f]{48}$/.test(s)));
    const claim = peekData(opening.commitment_token) as { issuer_kid: string; scheme: string };
    assert.equal(claim.issuer_kid, 'issuer-1');
    assert.equal(claim.scheme, 'zkpass-tip5-merkle/1');
    const seen: Progress['state'][] = [];
    const token = await holder.generateProof(trust, dvrToken, { '': JSON.stringify(opening) }, { mode: 'sync', onProgress: (p) => seen.push(p.state) });
    assert.deepEqual(seen, ['done'], 'answered in the one request');
    assert.deepEqual((await verifier.verifyProof(token, { singleUse: false })).output, EXPECTED);
    // trusted and trustless at once: the service's signature and the issuer's root
    assert.deepEqual((await verifier.verifyProof(token, { service: trust, trustless: true })).output, EXPECTED);
  });

  test('data the query cannot read is refused by the service with its code', async () => {
    const { issuer, dvrToken, trust, holder } = await parties(service);
    const userData = { '': await signUserData({ nothing: 1 }, issuer.privateKey) };
    await assert.rejects(holder.generateProof(trust, dvrToken, userData, { mode: 'sync' }), (e) => {
      assert.ok(e instanceof ZkPassError && e.code === 'Service', `${e}`);
      assert.equal(e.service?.status, 400);
      return true;
    });
  });

  test('a browser holder posts through its verifier backend, which adds the key and sees only ciphertext', async () => {
    const { issuer, verifier, dvrToken, trust } = await parties(service);
    const secret = 'Pratiwi';
    const userData = { '': await signUserData({ ...DOC, note: secret }, issuer.privateKey) };
    const relayed: string[] = [];
    const forward = fetchTransport(service.base, service.apiKey);
    // the verifier's backend: one route that forwards to the service with the API key
    const backend = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      relayed.push(text);
      const request = JSON.parse(text) as TransportRequest;
      const answer = await forward(request);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    try {
      const via = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/relay`;
      const transport = async (request: TransportRequest): Promise<TransportResponse> => {
        const { signal, ...rest } = request;
        const r = await fetch(via, { method: 'POST', body: JSON.stringify(rest), signal: signal ?? null });
        return (await r.json()) as TransportResponse;
      };
      const holder = new Holder(service.base, { transport });
      const token = await holder.generateProof(trust, dvrToken, userData);
      assert.deepEqual((await verifier.verifyProof(token, { service: trust })).output, EXPECTED);
      assert.ok(relayed.length >= 2, 'the submission and at least one poll went through the backend');
      for (const text of relayed) {
        assert.ok(!text.includes(secret) && !text.includes('87250000') && !text.includes('authorization'), text.slice(0, 200));
      }
    } finally {
      backend.close();
    }
  });
});

describe('against a service with no prover', () => {
  let service: Service;
  before(async () => {
    service = await startService({ workers: 0 });
  });
  after(async () => {
    await service?.stop();
  });

  test('an aborted wait cancels the queued job; a retried submission names the same job', async () => {
    const { issuer, dvrToken, trust, holder } = await parties(service);
    const userData = { '': await signUserData(DOC, issuer.privateKey) };
    const controller = new AbortController();
    const seen: Progress[] = [];
    let jobUrl = '';
    const waiting = holder.generateProof(trust, dvrToken, userData, {
      idempotencyKey: 'retry-1',
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.state === 'submitted') jobUrl = p.jobUrl;
        if (p.state === 'queued') controller.abort(new Error('the user cancelled'));
      },
    });
    await assert.rejects(waiting, /the user cancelled/);
    assert.deepEqual(seen.map((p) => p.state), ['submitted', 'queued']);
    assert.deepEqual(seen[1], { state: 'queued', position: 0 });
    // the job is cancelled at the service: 410
    const status = await fetchTransport(service.base, service.apiKey)({ method: 'GET', path: new URL(jobUrl, service.base).pathname, headers: {} });
    assert.equal(status.status, 410, JSON.stringify(status.body));
    // the same Idempotency-Key names the same (cancelled) job, not a new one
    const again = new AbortController();
    const retried = holder.generateProof(trust, dvrToken, userData, {
      idempotencyKey: 'retry-1',
      signal: again.signal,
      onProgress: (p) => {
        if (p.state === 'submitted') {
          assert.equal(p.jobUrl, jobUrl);
          again.abort(new Error('enough'));
        }
      },
    });
    // a signal aborted before the request rejects with its reason
    const early = new AbortController();
    early.abort(new Error('not now'));
    await assert.rejects(holder.generateProof(trust, dvrToken, userData, { signal: early.signal }), /not now/);
    await assert.rejects(retried, (e: unknown) => (e instanceof Error && e.message === 'enough') || (e instanceof ZkPassError && e.code === 'Service'));
  });
});
