// The OpenID4VP round in JavaScript against a real `zkpass serve`: the
// verifier signs a request object carrying its DVR in a zkpass_triton DCQL
// query; the wallet checks it, has the service prove, encrypts the
// vp_token to the verifier and posts it to the response_uri; the verifier
// decrypts it, checks the state and verifies the proof in WebAssembly.
// Another signer, another state, another key and a DVR of another nonce
// are refused.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';

import {
  authorizationRequestForDvr,
  fetchServiceTrust,
  generateEncryptionKeyPair,
  generateKeyPair,
  Holder,
  openAuthorizationRequest,
  postResponse,
  publicKeyFromPem,
  readResponse,
  respond,
  signAuthorizationRequest,
  signUserData,
  Verifier,
  ZkPassError,
} from '../dist/index.js';
import { LOAN, startService } from './helpers.js';
import type { Service } from './helpers.js';

const CLIENT_ID = 'x509_san_dns:bank.example';
let service: Service;
before(async () => {
  service = await startService();
});
after(async () => {
  await service?.stop();
});

/** The verifier's response_uri: resolves with the first posted `response`. */
async function responseEndpoint(): Promise<{ uri: string; posted: Promise<string>; close: () => void }> {
  let resolve: (v: string) => void = () => {};
  const posted = new Promise<string>((r) => (resolve = r));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      resolve(new URLSearchParams(body).get('response') ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}/response`, posted, close: () => server.close() };
}

test('a request object is answered with an encrypted vp_token the verifier reads and verifies', async () => {
  const issuer = await generateKeyPair();
  const verifierKey = await generateKeyPair();
  const verifier = new Verifier(verifierKey);
  const dvr = await verifier.createDvr({ title: 'loan', query: LOAN.query, userDataRequests: { '': { issuerKey: issuer.publicKey } }, nonce: true, verifierId: CLIENT_ID });
  const dvrToken = await verifier.signDvr(dvr);
  const encryption = await generateEncryptionKeyPair('enc-1');
  const endpoint = await responseEndpoint();
  const request = authorizationRequestForDvr(dvr, dvrToken, { responseUri: endpoint.uri, state: 'state-1', encryption: encryption.publicJwk });
  const requestObject = await signAuthorizationRequest(request, verifierKey);

  // the wallet
  const opened = await openAuthorizationRequest(requestObject, verifierKey.publicKey);
  assert.equal(opened.clientId, CLIENT_ID);
  const trust = await fetchServiceTrust(service.base, { root: publicKeyFromPem(service.rootPem), allowUnattested: true });
  const holder = new Holder(service.base, { apiKey: service.apiKey });
  const userData = { '': await signUserData(LOAN.doc, issuer.privateKey) };
  const proof = await holder.generateProof(trust, opened.dvrToken, userData, { mode: 'sync' });
  const jwe = await respond(opened, proof);
  await postResponse(opened, jwe);

  // the verifier
  const posted = await endpoint.posted;
  endpoint.close();
  assert.equal(posted, jwe);
  const token = await readResponse(posted, encryption, { state: 'state-1', queryId: 'zkpass' });
  const verified = await verifier.verifyProof(token, { service: trust, singleUse: false });
  assert.deepEqual(verified.output, LOAN.expected);

  // refusals
  const stranger = await generateKeyPair();
  await assert.rejects(openAuthorizationRequest(requestObject, stranger.publicKey), (e: unknown) => e instanceof ZkPassError && e.code === 'InvalidToken');
  const code = (e: unknown) => (e instanceof ZkPassError ? e.code : String(e));
  await assert.rejects(readResponse(posted, encryption, { state: 'state-2', queryId: 'zkpass' }), (e: unknown) => code(e) === 'OpenId4Vp');
  await assert.rejects(readResponse(posted, await generateEncryptionKeyPair('x'), { state: 'state-1', queryId: 'zkpass' }), (e: unknown) => code(e) === 'InvalidToken');
  const otherNonce = await signAuthorizationRequest({ ...request, nonce: 'another' }, verifierKey);
  await assert.rejects(openAuthorizationRequest(otherNonce, verifierKey.publicKey), /nonce/);
  const expired = await signAuthorizationRequest(request, verifierKey, Math.floor(Date.now() / 1000) - 3600);
  await assert.rejects(openAuthorizationRequest(expired, verifierKey.publicKey), /expired/);
});
