// An integration written against the public zkPass SDK's method names runs
// on this SDK by changing its import and awaiting the calls: issuer,
// verifier, holder and verifier again, against a real `zkpass serve`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { DvrModuleClient, extractPayload, publicKeyFromPem, ZkPassError } from '../dist/index.js';
import { repoFile, startService, zkpassOk } from './helpers.js';
import type { Service } from './helpers.js';

let service: Service;
before(async () => {
  service = await startService();
});
after(async () => {
  await service?.stop();
});

test('the public SDK\'s calls, asynchronous: sign, make a DVR, prove, verify', async () => {
  const dir = service.dir;
  zkpassOk(['keygen', '--out', join(dir, 'issuer')]);
  zkpassOk(['keygen', '--out', join(dir, 'verifier')]);
  const pem = (name: string) => readFileSync(join(dir, name), 'utf8');
  const client = new DvrModuleClient({
    baseUrl: service.base,
    apiKey: 'k',
    secretApiKey: 's',
    root: publicKeyFromPem(service.rootPem),
    allowUnattested: true,
  });
  const userDataToken = await client.callDvrGenerateUserDataToken(pem('issuer.pem'), repoFile('examples/employment-screening/user_data.json'));
  const issuerKey = publicKeyFromPem(pem('issuer.pub.pem'));
  const dvrToken = await client.callDvrGenerateQueryToken(pem('verifier.pem'), {
    zkvm: 'triton',
    dvr_title: 'Employment screening',
    dvr_id: crypto.randomUUID(),
    query: JSON.stringify(JSON.parse(repoFile('examples/employment-screening/query.json'))),
    user_data_requests: [{ key: '', value: issuerKey }],
    dvr_verifying_key: publicKeyFromPem(pem('verifier.pub.pem')),
  });
  const dvr = extractPayload(dvrToken);
  assert.equal(dvr.query_engine_ver, '1.2.0');
  assert.match(dvr.query_method_ver, /^[0-9a-f]{80}$/);
  // the public demos pass the user data as JSON of {tag: token}
  const proofToken = await client.callDvrGenerateZkPassProof(JSON.stringify({ '': userDataToken }), dvrToken);
  const metadata = { dvr: JSON.stringify(dvr), ttl: 600, user_data_verifying_keys: [{ key: '', value: issuerKey }] };
  const result = await client.callDvrVerifyZkPassProof('triton', proofToken, metadata);
  assert.deepEqual(result.output, JSON.parse(repoFile('examples/employment-screening/expected_output.json')));
  assert.equal(result.zkPassProof.dvr_id, dvr.dvr_id);
  // the expected issuer key is the verifier's word, not the token's
  const stranger = publicKeyFromPem(pem('verifier.pub.pem'));
  const wrong = { ...metadata, user_data_verifying_keys: [{ key: '', value: stranger }] };
  await assert.rejects(client.callDvrVerifyZkPassProof('triton', proofToken, wrong), (e: unknown) => e instanceof ZkPassError && e.code === 'MismatchedUserDataVerifyingKey');
  await assert.rejects(client.callDvrVerifyZkPassProof('r0', proofToken, metadata), (e: unknown) => e instanceof ZkPassError && e.code === 'InvalidZkVm');
  // without a root nothing is sent to the service
  const unpinned = new DvrModuleClient({ baseUrl: service.base, apiKey: 'k', secretApiKey: 's' });
  await assert.rejects(unpinned.callDvrGenerateZkPassProof(userDataToken, dvrToken), (e: unknown) => e instanceof ZkPassError && e.code === 'MissingPublicKey');
});
