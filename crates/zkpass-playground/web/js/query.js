// The live check of the query, as the verifier types: the JSON, the
// statement-level check with its position, the program it compiles to,
// what each output reveals per field against the holder's budget, and the
// service's cost estimate.

import { byId, debounce, describeError, duration, el, fact, fill } from './dom.js';
import { prepareRun } from './prove.js';

/** The disclosure budget the service applies by default, bits per private field. */
function budgetBits(zk) {
  return zk.DEFAULT_MAX_DISCLOSURE_BITS;
}

function form(field) {
  if (field.exact) return 'exact value';
  if (field.boolean && field.bits >= 1) return 'the whole yes/no field';
  return 'yes/no or a range';
}

export class QueryCheck {
  constructor(ctx) {
    this.ctx = ctx;
    this.text = byId('query');
    this.status = byId('query-status');
    this.table = byId('disclosure');
    this.cost = byId('cost');
    this.generation = 0;
    /** The latest check: `{ ok, refusal, digest }`. */
    this.state = { ok: false, refusal: null, digest: null };
    byId('budget-bits').textContent = String(budgetBits(ctx.zk));
    const run = debounce(() => void this.run(), 300);
    /** Marks the check pending now and runs it once typing pauses. */
    this.schedule = () => {
      this.generation += 1;
      this.cancelEstimate();
      this.state = { ok: false, refusal: null, digest: null };
      this.#say('pending', 'Checking…');
      this.cost.dataset.state = 'pending';
      run();
    };
    this.text.addEventListener('input', () => this.schedule());
  }

  /**
   * Abandons a running cost estimate (the request is aborted, so the
   * service stops waiting for a prover slot for it): a new check or a proof
   * needs the slot more.
   */
  cancelEstimate() {
    this.estimating?.abort(new DOMException('superseded', 'AbortError'));
    this.estimating = undefined;
  }

  #say(kind, ...message) {
    this.status.className = `check ${kind}`;
    this.status.dataset.state = kind.split(' ').at(-1);
    fill(this.status, ...message);
  }

  /** Checks the query now; then estimates the cost unless a newer check started. */
  async run() {
    const { zk, data } = this.ctx;
    const generation = ++this.generation;
    this.state = { ok: false, refusal: null, digest: null };
    fill(this.table.tBodies[0]);
    fill(this.cost);
    const text = this.text.value;
    try {
      JSON.parse(text);
    } catch (error) {
      this.#say('error', el('code', { class: 'code' }, 'InvalidJson'), ` The query is not JSON: ${error.message}`);
      return;
    }
    const documents = data.documentsOrNull();
    if (documents === null) {
      this.#say('error', 'Fix the user data first: a document is not a JSON object.');
      return;
    }
    let report;
    let digest;
    try {
      report = await zk.disclosure(text, { documents, maxBits: budgetBits(zk) });
      digest = await zk.programDigest(text, Object.keys(documents));
    } catch (error) {
      const { code, message } = describeError(error);
      this.#say('error', el('code', { class: 'code' }, code), ' ', message);
      return;
    }
    if (generation !== this.generation) return;
    this.#renderDisclosure(report);
    this.state = { ok: report.budget === null, refusal: report.budget, digest };
    if (report.budget !== null) {
      this.#say('error refused', el('code', { class: 'code' }, 'Disclosure'), ' The holder would refuse: ', report.budget);
      return;
    }
    const outputs = report.report.outputs.length;
    this.#say('ok', `The query checks: ${outputs} output${outputs === 1 ? '' : 's'}, within the budget. Program digest `, el('code', { class: 'digest' }, digest));
    await this.#estimate(generation);
  }

  #renderDisclosure(report) {
    const publicFields = new Set(report.public);
    const max = budgetBits(this.ctx.zk);
    const rows = report.report.fields.map((f) => {
      const isPublic = publicFields.has(f.field);
      const over = !isPublic && (f.exact || f.bits > max);
      const verdict = isPublic ? 'public: exempt' : over ? 'over the budget' : 'within';
      return el(
        'tr',
        { class: over ? 'over' : isPublic ? 'public' : undefined, 'data-field': f.field },
        el('th', { scope: 'row' }, el('code', {}, f.field)),
        el('td', {}, form(f)),
        el('td', {}, f.exact ? '—' : f.bits.toFixed(2)),
        el('td', {}, verdict),
      );
    });
    fill(this.table.tBodies[0], rows.length ? rows : el('tr', {}, el('td', { colspan: 4 }, 'The outputs depend on no field of the data.')));
  }

  async #estimate(generation) {
    const { ctx } = this;
    this.cost.dataset.state = 'estimating';
    fill(this.cost, ...fact('Cost', 'estimating…'));
    const abort = new AbortController();
    this.estimating = abort;
    try {
      const run = await prepareRun(ctx, abort.signal);
      const cost = await ctx.holder.estimateCost(ctx.trust, run.dvrToken, run.userData, abort.signal);
      if (generation !== this.generation || abort.signal.aborted) return;
      this.state.cost = cost;
      fill(
        this.cost,
        ...fact('Padded height', `2^${Math.log2(cost.padded_height)} rows`, cost.exact ? ' (exact: run on the data)' : ' (lower bound)'),
        ...fact('Cycles', cost.cycles === null ? 'unknown' : cost.cycles.toLocaleString('en')),
        ...fact('Predicted proving time', duration(cost.prove_seconds * 1000)),
        ...fact('Predicted peak memory', `${Math.round(cost.peak_mib_cached)} MiB`),
      );
      this.cost.dataset.state = 'done';
    } catch (error) {
      if (generation !== this.generation) return;
      if (abort.signal.aborted) {
        fill(this.cost, ...fact('Cost', 'not estimated: a proof started first'));
        this.cost.dataset.state = 'cancelled';
        return;
      }
      const { code, message } = describeError(error);
      // NotReady: every prover slot is busy; the estimate runs the program, so it waits its turn
      const retry = el('button', { type: 'button', onclick: () => void this.#estimate(this.generation) }, 'Estimate again');
      fill(this.cost, ...fact('Cost', el('code', { class: 'code' }, code), ' ', message, ' ', retry));
      this.cost.dataset.state = 'failed';
    }
  }
}
