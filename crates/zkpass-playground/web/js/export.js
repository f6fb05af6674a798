// Export: the run's DVR, user data and proof token, and the `zkpass`,
// `curl`, Rust and TypeScript that reproduce it against this service.

import { base64, byId, el, fill } from './dom.js';

function pem(label, bytes) {
  const body = base64(new Uint8Array(bytes)).replace(/.{64}/g, '$&\n').trim();
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function fileName(tag, trustless) {
  return `${tag === '' ? 'user_data' : tag}.${trustless ? 'opening.json' : 'jwt'}`;
}

function block(title, name, text) {
  const area = el('textarea', { readonly: true, rows: Math.min(12, text.split('\n').length + 1), spellcheck: 'false', 'data-export': name, 'aria-label': title });
  area.value = text;
  const copy = el('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    area.select();
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = 'Selected: press Ctrl+C';
    }
  });
  return el('details', { class: 'export' }, el('summary', {}, title, ' ', el('code', {}, name)), area, copy);
}

/** Fills the export section for the verified `run`. */
export async function renderExports(ctx, run) {
  const { zk, session, origin } = ctx;
  const [key, secret] = session.api_key.split(':');
  const rootPem = zk.publicKeyToPem(session.service_root);
  const verifierPem = pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', ctx.verifierKey.privateKey));
  const request = await ctx.holder.requestBody(ctx.trust, run.dvrToken, run.userData, run.evaluationDate);
  const tags = Object.keys(run.userData);
  const userDataArgs = tags.map((t) => `--user-data ${t === '' ? '' : `${t}:`}${fileName(t, run.trustless)}`).join(' ');
  const trustArgs = run.trustless ? '--trustless' : '--root root.pub.pem --allow-unattested';

  const cli = [
    '# the files above, saved in one folder; the service is this playground',
    'chmod 600 verifier.pem  # zkpass refuses a private key others can read',
    `zkpass prove --service ${origin} --api-key ${key}:${secret} --root root.pub.pem --allow-unattested \\`,
    `  --dvr-token dvr.jwt ${userDataArgs} --date ${run.evaluationDate} --yes > proof.jwt`,
    `zkpass verify --service ${origin} --key verifier.pem --dvr dvr.json --proof proof.jwt ${trustArgs}`,
  ].join('\n');
  const curl = [
    '# request.json: the DVR and the user data, encrypted to the service key (JWE), bound to the DVR',
    `curl -sS -u ${key}:${secret} -H 'content-type: application/json' \\`,
    `  --data @request.json ${origin}/api/1.0/dvr/1.0/proof`,
    '# answers {"status": 200, "output": "<proof token>"}; with -H "Prefer: respond-async", a job URL to poll',
  ].join('\n');
  const rust = `use std::collections::BTreeMap;
use std::sync::Arc;

use zkpass_attestation::AttestationPolicy;
use zkpass_client::holder::Holder;
use zkpass_client::trust::TrustAnchor;
use zkpass_client::verifier::{DvrStore as _, MemoryDvrStore, Verifier, VerifyOptions};

async fn reproduce() -> Result<(), Box<dyn std::error::Error>> {
    let holder = Holder::new("${origin}", Some(("${key}".into(), "${secret}".into())));
    let root = zkpass_core::PublicKey::from_pem(&std::fs::read_to_string("root.pub.pem")?)?;
    let trust = holder.attested_trust(TrustAnchor::Pinned(root), &AttestationPolicy::unattested()).await?;
    let tokens: BTreeMap<String, String> = BTreeMap::from([
${tags.map((t) => `        ("${t}".into(), std::fs::read_to_string("${fileName(t, run.trustless)}")?),`).join('\n')}
    ]);
    let dvr_token = std::fs::read_to_string("dvr.jwt")?;
    let date = Some("${run.evaluationDate}".parse()?);
    let proof_token = holder.generate_proof(&trust, dvr_token.trim(), &tokens, date).await?;

    let store = Arc::new(MemoryDvrStore::default());
    store.put(serde_json::from_str(&std::fs::read_to_string("dvr.json")?)?).await?;
    let verifier = Verifier::new(zkpass_jose::KeyPair::from_private_pem(&std::fs::read_to_string("verifier.pem")?)?, store.clone());
    let verified = ${run.trustless ? 'verifier.verify_proof_trustless(&proof_token, VerifyOptions::with_ttl(600)).await?' : 'verifier.verify_proof(&proof_token, &trust, VerifyOptions::with_ttl(600)).await?'};
    println!("{}", serde_json::Value::Object(verified.output));
    Ok(())
}`;
  const ts = `import { fetchServiceTrust, Holder, MemoryDvrStore, importKeyPair, Verifier } from 'zkpass-sdk';
import { readFile } from 'node:fs/promises';

const service = '${origin}';
const root = ${JSON.stringify(session.service_root)};
const trust = await fetchServiceTrust(service, { root, allowUnattested: true });
const holder = new Holder(service, { apiKey: '${key}:${secret}' });
const userData = {
${tags.map((t) => `  ${JSON.stringify(t)}: (await readFile('${fileName(t, run.trustless)}', 'utf8')).trim(),`).join('\n')}
};
const dvrToken = (await readFile('dvr.jwt', 'utf8')).trim();
const proofToken = await holder.generateProof(trust, dvrToken, userData, {
  mode: '${run.mode}',
  evaluationDate: '${run.evaluationDate}',
  onProgress: (p) => console.error(p.state),
});

const store = new MemoryDvrStore();
await store.put(JSON.parse(await readFile('dvr.json', 'utf8')));
const verifier = new Verifier(await importKeyPair(await readFile('verifier.pem', 'utf8'), await readFile('verifier.pub.pem', 'utf8')), { store });
const { output } = await verifier.verifyProof(proofToken, { ${run.trustless ? 'trustless: true' : 'service: trust'}, singleUse: false });
console.log(JSON.stringify(output));`;

  fill(
    byId('exports'),
    el('h3', {}, 'Files'),
    block('The DVR, as the verifier stores it', 'dvr.json', JSON.stringify(run.dvr, null, 2)),
    block('The DVR token (signed by the verifier)', 'dvr.jwt', run.dvrToken),
    ...tags.map((t) => block(run.trustless ? 'The document opening (tokens and salts)' : 'The user data token (signed by the issuer)', fileName(t, run.trustless), run.userData[t])),
    block('The proof token (signed by the service)', 'proof.jwt', run.proofToken),
    block('The service root key to pin', 'root.pub.pem', rootPem),
    block('The verifier’s key, made in this page for this session', 'verifier.pem', verifierPem),
    block('The verifier’s public key', 'verifier.pub.pem', zk.publicKeyToPem(ctx.verifierKey.publicKey)),
    block('The proof request body, encrypted', 'request.json', JSON.stringify(request, null, 2)),
    el('h3', {}, 'Reproduce it'),
    block('The zkpass command line', 'zkpass.sh', cli),
    block('curl', 'curl.sh', curl),
    block('Rust (zkpass-client)', 'reproduce.rs', rust),
    block('TypeScript (zkpass-sdk)', 'reproduce.ts', ts),
  );
}
