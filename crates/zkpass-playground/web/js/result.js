// The result: the proof verified in this page (WebAssembly), the
// verifier's checks one by one, tamper buttons that show the typed error
// the same verifier gives, and who learns what.

import { base64, byId, describeError, duration, el, errorNode, fact, fill, size } from './dom.js';
import { renderExports } from './export.js';
import { PROOF_TTL_SECS } from './prove.js';

/** The verifier's checks in the order the verifier core runs them, with the codes each refuses with. */
const CHECKS = [
  {
    id: 'signature',
    trusted: 'The proof token is signed by a service key that the pinned root key vouches for.',
    trustless: 'No trust in the service: its signature is not relied on.',
    codes: ['InvalidToken', 'MissingPublicKey', 'Attestation'],
  },
  {
    id: 'dvr',
    text: 'The proof names this verifier’s DVR by its id and digest, and the DVR has not expired.',
    codes: ['UnknownDvr', 'MismatchedDvrDigest', 'ExpiredDvr'],
  },
  {
    id: 'keys',
    text: 'The DVR’s verifier key and each document’s issuer key are the keys the service checked.',
    trustlessText: ' Each document’s commitment token is signed by its issuer, and its root is the proof’s.',
    codes: ['MismatchedDvrVerifyingKey', 'MismatchedUserDataVerifyingKey', 'MissingCommitmentToken', 'MismatchedCommitment'],
  },
  {
    id: 'freshness',
    text: `The proof is fresh: at most ${PROOF_TTL_SECS} s old, not from the future, and its evaluation date is near it.`,
    codes: ['FutureZkPassProof', 'ExpiredZkPassProof', 'InvalidEvaluationDate'],
  },
  {
    id: 'stark',
    text: 'The STARK proof verifies for the program compiled from the DVR’s query, with the public inputs (DVR digest, evaluation date, commitments) and the output.',
    codes: ['InvalidZkProof', 'Query', 'Proof'],
  },
];

function base64urlJson(part) {
  const text = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
}

function toBase64url(value) {
  return base64(new TextEncoder().encode(JSON.stringify(value))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The proof token with its first output changed and the service's signature kept. */
function flipOutput(token) {
  const [header, payload, signature] = token.split('.');
  const claims = base64urlJson(payload);
  const proof = claims.data ?? claims;
  const [key, value] = Object.entries(proof.output)[0] ?? ['forged', undefined];
  proof.output[key] = typeof value === 'boolean' ? !value : typeof value === 'number' ? value + 1 : typeof value === 'string' ? `${value}!` : true;
  return { token: `${header}.${toBase64url(claims)}.${signature}`, key };
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Result {
  constructor(ctx) {
    this.ctx = ctx;
    this.section = byId('result-section');
    this.checks = byId('checks');
    this.tamperResult = byId('tamper-result');
    for (const button of document.querySelectorAll('[data-tamper]')) {
      button.addEventListener('click', () => void this.tamper(button.dataset.tamper, button.textContent));
    }
  }

  hide() {
    this.section.hidden = true;
    byId('export-section').hidden = true;
    delete document.body.dataset.verified;
  }

  /** Verification options of `run` (trusted: with the service's keys; trustless: without). */
  #options(run, extra = {}) {
    const mode = run.trustless ? { trustless: true } : { service: this.ctx.trust };
    return { ttl: PROOF_TTL_SECS, singleUse: false, ...mode, ...extra };
  }

  #expectedKeys(run) {
    return {
      verifierKey: this.ctx.verifierKey.publicKey,
      issuerKeys: Object.fromEntries(Object.keys(run.documents).map((tag) => [tag, this.ctx.session.issuer_key])),
    };
  }

  #renderChecks(run, error, subject) {
    const failed = error === undefined ? -1 : Math.max(0, CHECKS.findIndex((c) => c.codes.includes(describeError(error).code)));
    const items = CHECKS.map((check, i) => {
      const text = check.id === 'signature' ? (run.trustless ? check.trustless : check.trusted) : check.text + (run.trustless ? check.trustlessText ?? '' : '');
      const state = error === undefined || i < failed ? 'passed' : i === failed ? 'failed' : 'not run';
      return el('li', { 'data-check': check.id, 'data-state': state }, el('strong', { class: `state ${state.replace(' ', '-')}` }, state), ' ', text, i === failed ? el('div', { class: 'error' }, errorNode(error)) : undefined);
    });
    byId('checks-subject').textContent = `Checked: ${subject}.`;
    fill(this.checks, ...items);
  }

  /** Verifies `run.proofToken` in this page and shows everything about it. */
  async show(run) {
    this.run = run;
    const { ctx } = this;
    const started = performance.now();
    let verified;
    try {
      verified = await ctx.verifier.verifyProof(run.proofToken, this.#options(run));
    } catch (error) {
      this.section.hidden = false;
      fill(byId('verdict'), 'The proof did not verify: ', errorNode(error));
      this.#renderChecks(run, error, 'The proof the service returned');
      document.body.dataset.verified = 'false';
      return;
    }
    run.verifyMs = performance.now() - started;
    run.verified = verified;
    const expected = ctx.scenario.expected();
    const matches = expected !== null && JSON.stringify(expected) === JSON.stringify(verified.output);
    fill(
      byId('verdict'),
      el('strong', { class: 'state passed' }, 'Verified'),
      ` in this browser in ${duration(run.verifyMs)}.`,
      expected === null ? '' : matches ? ' The output is the example’s expected output.' : ' The output differs from the example’s expected output.',
    );
    byId('output').textContent = JSON.stringify(verified.output, null, 2);
    this.#renderFacts(run, verified.proof);
    this.#renderChecks(run, undefined, 'The proof the service returned');
    fill(this.tamperResult);
    this.#renderWho(run, verified);
    renderExports(ctx, run);
    this.section.hidden = false;
    byId('export-section').hidden = false;
    document.body.dataset.verified = 'true';
  }

  #renderFacts(run, proof) {
    const zkBytes = Math.floor((proof.zkproof?.length ?? 0) * 3 / 4);
    const stark = proof.stark ?? { security_level: 160, fri_expansion_factor: 4 };
    fill(
      byId('facts'),
      ...fact('Proof token', size(run.proofToken.length), ` (the STARK proof: ${size(zkBytes)})`),
      ...fact('Proving time', duration(run.proveMs), run.predictedMs === undefined ? '' : ` (predicted ${duration(run.predictedMs)})`),
      ...fact('Verification in this browser', duration(run.verifyMs), ' (WebAssembly)'),
      ...fact('Program digest', el('code', { class: 'digest' }, proof.program_digest ?? '')),
      ...fact('STARK parameters', `security level ${stark.security_level} bits, FRI expansion factor ${stark.fri_expansion_factor}`),
      ...fact('Evaluation date', proof.evaluation_date ?? ''),
      ...fact('DVR', el('code', {}, proof.dvr_id)),
    );
  }

  #renderWho(run, verified) {
    const { ctx } = this;
    const proof = verified.proof;
    const outputs = Object.entries(verified.output).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ') || 'no outputs';
    const issuerKeys = Object.entries(proof.user_data_verifying_keys ?? {}).map(([tag, key]) => `${tag === '' ? 'the document' : tag}: ${String(key?.x ?? '').slice(36, 52)}…`);
    const service = ctx.session.attested
      ? 'The user data in plaintext, to run the query — inside an attested enclave, whose measurements the holder checked before sending it.'
      : 'The user data in plaintext, to run the query. In production it runs inside an attested enclave; here it is the zkpass process on this machine, not attested.';
    const commitments = Object.entries(proof.commitments ?? {});
    const linking = run.trustless
      ? `The commitment root of each document is a public input (${commitments.map(([t, c]) => `${t || 'document'}: ${String(c.root).slice(0, 16)}…`).join(', ')}): every proof over the same signed document carries the same root, so verifiers who compare proofs can link them to one holder.`
      : 'The proof carries no commitment root (trusted mode), so its public inputs do not link it to other proofs over the same document.';
    fill(
      byId('who'),
      ...fact('The verifier', `the outputs (${outputs}); the DVR it wrote (query, title, nonce); the issuer key per document (${issuerKeys.join('; ')}); the evaluation date ${proof.evaluation_date} and the time of the proof. Nothing else about a field than the disclosure table shows.`),
      ...fact('The service', service),
      ...fact('The issuer', 'Nothing about this proof: it signed the data before.'),
      ...fact(run.trustless ? 'Trustless mode' : 'Linking', linking),
    );
  }

  /** Runs one tamper case and shows the error the verifier gives. */
  async tamper(kind, label) {
    const { ctx, run } = this;
    if (run?.verified === undefined) return;
    let subject = label;
    let error;
    try {
      switch (kind) {
        case 'output': {
          const flipped = flipOutput(run.proofToken);
          subject = `The proof with output “${flipped.key}” changed and the service’s signature kept`;
          await ctx.verifier.verifyProof(flipped.token, this.#options(run));
          break;
        }
        case 'dvr': {
          const other = { ...run.dvr, nonce: randomHex(16) };
          subject = 'The proof presented to a verifier whose DVR under the same id asks with another nonce';
          await ctx.zk.checkProof(run.proofToken, other, this.#expectedKeys(run), this.#options(run));
          break;
        }
        case 'expire': {
          const now = run.verified.proof.time_stamp + PROOF_TTL_SECS + 1;
          subject = `The proof verified ${PROOF_TTL_SECS + 1} s after it was made`;
          await ctx.verifier.verifyProof(run.proofToken, this.#options(run, { now }));
          break;
        }
        case 'root': {
          const other = await ctx.zk.generateKeyPair();
          subject = 'The service’s keys checked under another root key than the operator’s';
          const trust = await ctx.zk.fetchServiceTrust(ctx.origin, { root: other.publicKey, allowUnattested: !ctx.session.attested });
          await ctx.verifier.verifyProof(run.proofToken, this.#options(run, { service: trust, trustless: false }));
          break;
        }
        default:
          return;
      }
    } catch (caught) {
      error = caught;
    }
    this.#renderChecks(run, error, subject);
    if (error === undefined) {
      fill(this.tamperResult, `${label}: the verifier accepted it.`);
      this.tamperResult.dataset.code = 'accepted';
    } else {
      fill(this.tamperResult, `${label}: refused — `, errorNode(error));
      this.tamperResult.dataset.code = describeError(error).code;
    }
  }
}
