// DCQL queries turned into DVRs the same way in JavaScript and in Rust: the
// eu-pid-age example's DCQL query plus its get_age statement make the same
// credential requests and the same program in both SDKs; what a DVR cannot
// express is refused with the JSON path of the member; a verifier checks a
// DVR with no pinned issuer key without fetching one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { generateKeyPair, Verifier, ZkPassError } from '../dist/index.js';
import { repo, repoFile, tempDir, zkpassOk } from './helpers.js';

const dcql = JSON.parse(repoFile('examples/eu-pid-age/dcql.json'));
const extra = repoFile('examples/eu-pid-age/query.json');

test('the eu-pid-age DCQL query makes the same DVR parts in JavaScript and natively', async () => {
  const verifier = new Verifier(await generateKeyPair());
  const dvr = await verifier.createDvrFromDcql({ title: 'pid', dcql, query: extra, verifierId: 'x509_san_dns:verifier.example' });
  const pid = dvr.user_data_requests.pid!;
  assert.equal(pid.user_data_verifying_key, undefined);
  assert.deepEqual(pid.credential, { format: 'dc+sd-jwt', vct_values: ['urn:eudi:pid:1'], holder_binding: true });
  assert.equal(dvr.verifier_id, 'x509_san_dns:verifier.example');
  assert.match(dvr.nonce ?? '', /^[0-9a-f]{32}$/);

  const dir = tempDir();
  zkpassOk(['keygen', '--out', join(dir, 'verifier')]);
  zkpassOk([
    'dvr', '--key', join(dir, 'verifier.pem'), '--from-dcql', repoPath('dcql.json'),
    '--query', repoPath('query.json'), '--verifier-id', 'x509_san_dns:verifier.example', '--out', join(dir, 'dvr.json'),
  ]);
  const native = JSON.parse(readFileSync(join(dir, 'dvr.json'), 'utf8'));
  assert.equal(dvr.query, native.query, 'the same statements');
  assert.equal(dvr.query_method_ver, native.query_method_ver, 'the same program digest');
  assert.deepEqual(pid, native.user_data_requests.pid);
});

/** A file of the eu-pid-age example, as a path. */
function repoPath(file: string): string {
  return join(repo, 'examples', 'eu-pid-age', file);
}

test('what a DVR cannot express is refused with its JSON path, and holder binding needs the verifier id', async () => {
  const verifier = new Verifier(await generateKeyPair());
  const mdoc = { credentials: [{ id: 'mdl', format: 'mso_mdoc', meta: { doctype_value: 'org.iso.18013.5.1.mDL' } }] };
  await assert.rejects(verifier.createDvrFromDcql({ title: 't', dcql: mdoc, verifierId: 'v' }), (e: unknown) => {
    assert.ok(e instanceof ZkPassError);
    assert.equal(e.code, 'UnsupportedDcql');
    assert.match(e.message, /credentials\[0\]\.format/);
    return true;
  });
  const indexed = structuredClone(dcql);
  indexed.credentials[0].claims[0].path = ['nationalities', 0];
  await assert.rejects(verifier.createDvrFromDcql({ title: 't', dcql: indexed, verifierId: 'v' }), /credentials\[0\]\.claims\[0\]\.path\[1\]/);
  await assert.rejects(verifier.createDvrFromDcql({ title: 't', dcql }), (e: unknown) => {
    assert.ok(e instanceof ZkPassError);
    assert.equal(e.code, 'InvalidParams');
    assert.match(e.message, /verifier_id/);
    return true;
  });
});
