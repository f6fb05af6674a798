// Across languages, against a real `zkpass serve`: user data and DVRs made
// in JavaScript are proven by the Rust CLI (the holder) and verified both
// by the Rust CLI and by the WebAssembly verifier, in trusted and in
// trustless mode; then every forgery of the Rust end-to-end test is
// refused by the JavaScript verifier with the Rust SDK's code.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CompactSign, exportPKCS8, importPKCS8 } from 'jose';

import {
  commitUserData,
  fetchServiceTrust,
  generateKeyPair,
  importKeyPair,
  MemoryDvrStore,
  peekData,
  publicKeyFromPem,
  signUserData,
  Verifier,
  ZkPassError,
} from '../dist/index.js';
import type { CreateDvrOptions, KeyPair, ServiceTrust, ZkPassErrorCode } from '../dist/index.js';
import { LOAN, startService, zkpassOk } from './helpers.js';
import type { Service } from './helpers.js';

const { query: QUERY, doc: DOC, expected: EXPECTED } = LOAN;

let service: Service;
let dir: string;
let issuer: KeyPair;
let trust: ServiceTrust;

before(async () => {
  service = await startService();
  dir = service.dir;
  zkpassOk(['keygen', '--out', join(dir, 'issuer')]);
  issuer = await importKeyPair(readFileSync(join(dir, 'issuer.pem'), 'utf8'), readFileSync(join(dir, 'issuer.pub.pem'), 'utf8'));
  trust = await fetchServiceTrust(service.base, { root: publicKeyFromPem(service.rootPem), allowUnattested: true });
});

after(async () => {
  await service?.stop();
});

/** Proves with the Rust CLI as the holder; returns the proof token. */
function proveWithCli(dvrToken: string, userData: string): string {
  const dvrFile = join(dir, `dvr-${Math.random()}.jwt`);
  const dataFile = join(dir, `data-${Math.random()}`);
  writeFileSync(dvrFile, dvrToken);
  writeFileSync(dataFile, userData);
  const out = zkpassOk(
    ['prove', '--service', service.base, '--root', service.rootPemPath, '--allow-unattested', '--yes',
      '--dvr-token', dvrFile, '--user-data', dataFile],
    { env: { ...process.env, ZKPASS_API_KEY: service.apiKey } },
  );
  return out.trim();
}

/** A verifier with a fresh key (also saved as PEM for the Rust CLI), and a DVR signed in JavaScript. */
async function jsDvr(options: Partial<CreateDvrOptions> = {}) {
  const keyPair = await generateKeyPair();
  const keyFile = join(dir, `verifier-${Math.random()}.pem`);
  writeFileSync(keyFile, await exportPKCS8(keyPair.privateKey), { mode: 0o600 });
  const verifier = new Verifier(keyPair);
  const dvr = await verifier.createDvr({
    title: 'loan',
    query: QUERY,
    userDataRequests: { '': { issuerKey: issuer.publicKey } },
    nonce: true,
    ...options,
  });
  const dvrFile = join(dir, `dvr-${Math.random()}.json`);
  writeFileSync(dvrFile, JSON.stringify(dvr));
  return { verifier, dvr, dvrToken: await verifier.signDvr(dvr), keyFile, dvrFile };
}

/** Verifies with the Rust CLI; returns the output it prints. */
function verifyWithCli(keyFile: string, dvrFile: string, proofToken: string, mode: 'trusted' | 'trustless'): unknown {
  const proofFile = join(dir, `proof-${Math.random()}.jwt`);
  writeFileSync(proofFile, proofToken);
  const trustArgs = mode === 'trustless' ? ['--trustless'] : ['--service', service.base, '--root', service.rootPemPath, '--allow-unattested'];
  return JSON.parse(zkpassOk(['verify', '--key', keyFile, '--dvr', dvrFile, '--proof', proofFile, ...trustArgs]));
}

/** The proof token's payload edited by `edit`, signed again with the service's own signing key. */
async function resigned(proofToken: string, edit: (payload: any) => void): Promise<string> {
  const key = await importPKCS8(readFileSync(join(service.dataDir, 'signing-key.pem'), 'utf8'), 'ES256');
  const header = JSON.parse(Buffer.from(proofToken.split('.')[0]!, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(proofToken.split('.')[1]!, 'base64url').toString());
  edit(claims.data);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header).sign(key);
}

async function refusedWith(promise: Promise<unknown>, code: ZkPassErrorCode): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ZkPassError, `${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('trusted mode', () => {
  let parties: Awaited<ReturnType<typeof jsDvr>>;
  let proofToken: string;

  before(async () => {
    parties = await jsDvr();
    proofToken = proveWithCli(parties.dvrToken, await signUserData(DOC, issuer.privateKey));
  });

  test('JavaScript-made tokens are proven by the Rust holder and verified by both verifiers', async () => {
    assert.deepEqual(verifyWithCli(parties.keyFile, parties.dvrFile, proofToken, 'trusted'), EXPECTED);
    const verified = await parties.verifier.verifyProof(proofToken, { service: trust });
    assert.deepEqual(verified.output, EXPECTED);
    assert.equal(verified.proof.dvr_id, parties.dvr.dvr_id);
    // single use: the DVR is consumed
    await refusedWith(parties.verifier.verifyProof(proofToken, { service: trust }), 'DvrAlreadyUsed');
  });

  test('a DVR made by the Rust CLI and proven by the Rust SDK verifies in JavaScript', async () => {
    zkpassOk(['keygen', '--out', join(dir, 'rust-verifier')]);
    const queryFile = join(dir, 'query.json');
    writeFileSync(queryFile, QUERY);
    const dvrFile = join(dir, 'rust-dvr.json');
    const dvrToken = zkpassOk(['dvr', '--key', join(dir, 'rust-verifier.pem'), '--query', queryFile,
      '--issuer-key', join(dir, 'issuer.pub.pem'), '--out', dvrFile, '--nonce']).trim();
    const docFile = join(dir, 'doc.json');
    writeFileSync(docFile, JSON.stringify(DOC));
    const userToken = zkpassOk(['issue', '--key', join(dir, 'issuer.pem'), '--data', docFile]).trim();
    const token = proveWithCli(dvrToken, userToken);
    const store = new MemoryDvrStore();
    await store.put(JSON.parse(readFileSync(dvrFile, 'utf8')));
    const keys = await importKeyPair(readFileSync(join(dir, 'rust-verifier.pem'), 'utf8'), readFileSync(join(dir, 'rust-verifier.pub.pem'), 'utf8'));
    const verifier = new Verifier(keys, { store });
    assert.deepEqual((await verifier.verifyProof(token, { service: trust })).output, EXPECTED);
  });

  test('every forgery is refused with the Rust SDK code', async () => {
    const { verifier, dvr } = parties;
    const opts = { service: trust, singleUse: false };
    // a flipped byte in the signature
    const bytes = [...proofToken];
    const at = bytes.length - 10;
    bytes[at] = bytes[at] === 'A' ? 'B' : 'A';
    await refusedWith(verifier.verifyProof(bytes.join(''), opts), 'InvalidToken');
    // the output edited, even re-signed with the service's key: the STARK says no
    const flipped = await resigned(proofToken, (p) => {
      p.output.loan_eligible = !p.output.loan_eligible;
    });
    await refusedWith(verifier.verifyProof(flipped, opts), 'InvalidZkProof');
    // the proof presented for another DVR of this verifier
    const other = await verifier.createDvr({ title: 'other', query: QUERY, userDataRequests: { '': { issuerKey: issuer.publicKey } } });
    await verifier.signDvr(other);
    const moved = await resigned(proofToken, (p) => {
      p.dvr_id = other.dvr_id;
    });
    await refusedWith(verifier.verifyProof(moved, opts), 'MismatchedDvrDigest');
    // another issuer key than the DVR names
    const stranger = (await generateKeyPair()).publicKey;
    const otherIssuer = await resigned(proofToken, (p) => {
      p.user_data_verifying_keys[''] = stranger;
    });
    await refusedWith(verifier.verifyProof(otherIssuer, opts), 'MismatchedUserDataVerifyingKey');
    // too old
    const stamp = (peekData(proofToken) as { time_stamp: number }).time_stamp;
    await refusedWith(verifier.verifyProof(proofToken, { ...opts, now: stamp + 601 }), 'ExpiredZkPassProof');
    const ahead = await resigned(proofToken, (p) => {
      p.time_stamp = stamp + 3600;
    });
    await refusedWith(verifier.verifyProof(ahead, { ...opts, now: stamp }), 'FutureZkPassProof');
    // another operator root than the service's
    const wrongRoot = { ...trust, root: (await generateKeyPair()).publicKey };
    await refusedWith(verifier.verifyProof(proofToken, { ...opts, service: wrongRoot }), 'MissingPublicKey');
    await refusedWith(fetchServiceTrust(service.base, { root: wrongRoot.root, allowUnattested: true }), 'MissingPublicKey');
    // an unattested service where attestation is required, or where an enclave image is expected
    await refusedWith(fetchServiceTrust(service.base, { root: trust.root }), 'Attestation');
    const pcrs = { 0: '00'.repeat(48) };
    await refusedWith(fetchServiceTrust(service.base, { root: trust.root, allowUnattested: true, pcrs }), 'Attestation');
    // unknown DVR
    const unknown = await resigned(proofToken, (p) => {
      p.dvr_id = 'no-such-dvr';
    });
    await refusedWith(verifier.verifyProof(unknown, opts), 'UnknownDvr');
    // the genuine proof still verifies
    assert.deepEqual((await verifier.verifyProof(proofToken, opts)).output, EXPECTED);
    assert.equal(dvr.nonce?.length, 32);
  });

  test('a proof for an expired DVR is refused', async () => {
    const { verifier, dvr, dvrToken } = await jsDvr({ expiresIn: 3600 });
    const token = proveWithCli(dvrToken, await signUserData(DOC, issuer.privateKey));
    await refusedWith(verifier.verifyProof(token, { service: trust, now: dvr.expires_at! + 1, ttl: 1e9 }), 'ExpiredDvr');
    assert.deepEqual((await verifier.verifyProof(token, { service: trust })).output, EXPECTED);
  });
});

describe('trustless mode', () => {
  test('a commitment opening from the Rust issuer, a JavaScript DVR: verified without trusting the service', async () => {
    const parties = await jsDvr();
    const docFile = join(dir, 'doc-commit.json');
    writeFileSync(docFile, JSON.stringify(DOC));
    const opening = zkpassOk(['issue', '--key', join(dir, 'issuer.pem'), '--data', docFile, '--commit']);
    const token = proveWithCli(parties.dvrToken, opening);
    assert.deepEqual(verifyWithCli(parties.keyFile, parties.dvrFile, token, 'trustless'), EXPECTED);
    const opts = { singleUse: false };
    assert.deepEqual((await parties.verifier.verifyProof(token, opts)).output, EXPECTED);
    // without the issuer's commitment token there is nothing to trust
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const stripped = structuredClone(claims);
    delete stripped.data.commitment_tokens;
    const encode = (c: unknown) => `${token.split('.')[0]}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.${token.split('.')[2]}`;
    await refusedWith(parties.verifier.verifyProof(encode(stripped), opts), 'MissingCommitmentToken');
    // an edited output: the signature is not even looked at, the STARK refuses
    const edited = structuredClone(claims);
    edited.data.output.loan_eligible = !edited.data.output.loan_eligible;
    await refusedWith(parties.verifier.verifyProof(encode(edited), opts), 'InvalidZkProof');
    // an opening made in JavaScript, proven and verified trustlessly by the Rust CLI
    const jsParties = await jsDvr();
    const jsOpening = JSON.stringify(await commitUserData(DOC, issuer.privateKey));
    const jsToken = proveWithCli(jsParties.dvrToken, jsOpening);
    assert.deepEqual(verifyWithCli(jsParties.keyFile, jsParties.dvrFile, jsToken, 'trustless'), EXPECTED);
    // the same proof made from a plain user data token cannot be verified trustlessly
    const plain = await jsDvr();
    const plainToken = proveWithCli(plain.dvrToken, await signUserData(DOC, issuer.privateKey));
    await refusedWith(plain.verifier.verifyProof(plainToken), 'MissingCommitmentToken');
  });
});
