// The playground: one page that plays every party of zkPass with the
// JavaScript SDK (`../sdk/zkpass-sdk.js`) and its WebAssembly verifier.
//
// - the verifier (this page) writes the query, makes and signs the DVR with
//   a key made here, and verifies the proof in WebAssembly;
// - the issuer (the playground's endpoint) signs the edited documents;
// - the holder (this page) sees what the query reveals, estimates the cost
//   and has the service prove, the data encrypted to its vouched-for key.

import * as zk from '../sdk/zkpass-sdk.js';

import * as api from './api.js';
import { byId, errorNode, fill } from './dom.js';
import { DataEditor } from './data.js';
import { QueryCheck } from './query.js';
import { Prover } from './prove.js';
import { Result } from './result.js';
import { Scenario } from './scenario.js';

async function main() {
  const status = byId('status');
  await zk.loadWasm(new URL('../sdk/zkpass_wasm_bg.wasm', import.meta.url));
  const session = await api.session();
  const trust = await zk.fetchServiceTrust(location.origin, {
    root: session.service_root,
    allowUnattested: !session.attested,
  });
  const ctx = {
    zk,
    api,
    session,
    trust,
    origin: location.origin,
    holder: new zk.Holder(location.origin, { apiKey: session.api_key }),
    verifierKey: await zk.generateKeyPair(),
  };
  ctx.verifier = new zk.Verifier(ctx.verifierKey, { store: new zk.MemoryDvrStore() });

  ctx.data = new DataEditor(ctx);
  ctx.query = new QueryCheck(ctx);
  ctx.result = new Result(ctx);
  ctx.prover = new Prover(ctx);
  ctx.scenario = new Scenario(ctx);
  ctx.data.onChange = () => ctx.query.schedule();
  ctx.scenario.onChange = () => {
    ctx.result.hide();
    ctx.query.schedule();
  };
  ctx.scenario.load(0);

  const attested = session.attested ? 'attested' : 'not attested: it runs in the zkpass process, outside a TEE';
  fill(status, `Ready. Service keys verified under the pinned root key; the service is ${attested}.`);
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  fill(byId('status'), 'The playground could not start: ', errorNode(error));
  byId('status').classList.add('error');
  document.body.dataset.ready = 'failed';
});
