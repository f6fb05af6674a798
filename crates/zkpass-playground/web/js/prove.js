// Proving: the issuer signs the documents, the verifier makes and signs the
// DVR, the holder checks what it reveals and has the service prove it —
// queued with progress, or in one request — and can cancel.

import { byId, describeError, duration, el, errorNode, fill } from './dom.js';

/** How long the page's proofs stay acceptable, seconds (the verifier's TTL). */
export const PROOF_TTL_SECS = 600;

/**
 * One run's inputs: the documents signed by the demo issuer (openings in
 * trustless mode) and a fresh DVR for the query, signed by the page's
 * verifier key and kept in its DVR store.
 */
export async function prepareRun(ctx, signal) {
  const { zk, api, data, scenario, session, verifier } = ctx;
  const documents = data.documents();
  const trustless = scenario.trustless();
  const userData = await api.issue(documents, trustless, signal);
  const query = byId('query').value;
  const requests = Object.fromEntries(Object.keys(documents).map((tag) => [tag, { issuerKey: session.issuer_key }]));
  const dvr = await verifier.createDvr({
    title: scenario.current?.title ?? 'playground',
    query,
    userDataRequests: requests,
    expiresIn: 3600,
  });
  const dvrToken = await verifier.signDvr(dvr);
  return { zk, documents, trustless, userData, dvr, dvrToken, query, evaluationDate: scenario.evaluationDate(), mode: scenario.mode() };
}

export class Prover {
  constructor(ctx) {
    this.ctx = ctx;
    this.button = byId('prove');
    this.cancelButton = byId('cancel');
    this.progress = byId('progress');
    this.timing = byId('timing');
    this.error = byId('prove-error');
    this.button.addEventListener('click', () => void this.prove());
    this.cancelButton.addEventListener('click', () => this.cancel());
  }

  #step(state, text) {
    const last = this.progress.lastElementChild;
    if (last?.dataset.state === state) {
      last.textContent = text;
      return last;
    }
    const item = el('li', { 'data-state': state }, text);
    this.progress.append(item);
    return item;
  }

  /** Cancels the running proof: the SDK deletes the job at the service. */
  cancel() {
    this.abort?.abort(new DOMException('cancelled by the holder', 'AbortError'));
  }

  async prove() {
    const { ctx } = this;
    fill(this.progress);
    fill(this.error);
    this.timing.textContent = '';
    ctx.result.hide();
    delete document.body.dataset.job;
    delete document.body.dataset.proof;
    const check = ctx.query.state;
    if (check.refusal) {
      fill(this.error, el('code', { class: 'code' }, 'Disclosure'), ' The holder does not consent: ', check.refusal);
      return;
    }
    // the estimate would wait for the prover slot this proof takes
    ctx.query.cancelEstimate();
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.button.disabled = true;
    this.cancelButton.disabled = false;
    const started = performance.now();
    try {
      this.#step('signing', 'The issuer signs the documents; the verifier signs a DVR.');
      const run = await prepareRun(ctx, signal);
      ctx.data.showTokens(run.userData, ctx.zk);
      const consent = await ctx.holder.disclosure(run.dvrToken, run.userData);
      if (consent.budget !== null) throw Object.assign(new Error(consent.budget), { code: 'Disclosure' });
      const predicted = ctx.query.state.cost?.prove_seconds;
      const proveStarted = performance.now();
      const proofToken = await ctx.holder.generateProof(ctx.trust, run.dvrToken, run.userData, {
        mode: run.mode,
        evaluationDate: run.evaluationDate,
        signal,
        onProgress: (p) => this.#onProgress(p),
      });
      run.proofToken = proofToken;
      run.proveMs = performance.now() - proveStarted;
      run.predictedMs = predicted === undefined ? undefined : predicted * 1000;
      this.#step('done', 'Done: the service returned a signed zkPass proof.');
      this.timing.textContent =
        `Proof in ${duration(run.proveMs)}` + (run.predictedMs === undefined ? '' : ` (predicted ${duration(run.predictedMs)})`) +
        `; ${duration(performance.now() - started)} from pressing Prove.`;
      await ctx.result.show(run);
    } catch (error) {
      if (signal.aborted) {
        this.#step('cancelled', 'Cancelled: the holder withdrew the request and the service deleted the job.');
        document.body.dataset.proof = 'cancelled';
      } else {
        fill(this.error, errorNode(error));
        document.body.dataset.proof = `failed:${describeError(error).code}`;
      }
    } finally {
      this.button.disabled = false;
      this.cancelButton.disabled = true;
      this.abort = undefined;
    }
  }

  #onProgress(p) {
    switch (p.state) {
      case 'submitted':
        this.#step('submitted', 'Submitted: the service accepted the job.');
        document.body.dataset.proof = 'submitted';
        document.body.dataset.job = p.jobUrl;
        break;
      case 'queued':
        // queue_position 0 is the next job to run
        this.#step('queued', p.position === 0 ? 'Queued, position 0: next to run.' : `Queued, position ${p.position}: ${p.position} job(s) ahead.`);
        document.body.dataset.proof = 'queued';
        break;
      case 'proving':
        this.#step('proving', 'Proving in Triton VM…');
        document.body.dataset.proof = 'proving';
        break;
      default:
        break;
    }
  }
}
