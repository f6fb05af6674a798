// The scenario: a bundled example or a blank case, the evaluation date,
// trusted or trustless, sync or queue.

import { byId, el, fill } from './dom.js';

/** A blank case: one untagged document and a query to start from. */
const BLANK = {
  name: 'blank',
  title: 'Blank: write your own query over your own document',
  documents: { '': { name: 'Ann', birthDate: '2001-04-17', _name_zkpass_public_: true } },
  query: '[\n  { "output": { "adult": { ">=": [{ "get_age": [{ "dvar": "birthDate" }, "YYYY-MM-DD"] }, 18] } } }\n]\n',
  expected: null,
};

export class Scenario {
  constructor(ctx) {
    this.ctx = ctx;
    this.examples = [...ctx.session.examples, BLANK];
    this.select = byId('example');
    fill(this.select, this.examples.map((e, i) => el('option', { value: i }, e.name === 'blank' ? 'Blank case' : e.name)));
    this.date = byId('date');
    // the service proves on its today or a day either side (the evaluation date is a public input)
    const day = 86_400_000;
    const today = Date.parse(ctx.session.today);
    this.date.value = ctx.session.today;
    this.date.min = new Date(today - day).toISOString().slice(0, 10);
    this.date.max = new Date(today + day).toISOString().slice(0, 10);
    this.onChange = () => {};
    this.select.addEventListener('change', () => this.load(Number(this.select.value)));
    for (const input of [this.date, ...document.querySelectorAll('input[name=trust], input[name=request]')]) {
      input.addEventListener('change', () => this.onChange());
    }
  }

  /** Loads example `index` into the query and data editors. */
  load(index) {
    const example = this.examples[index];
    this.select.value = String(index);
    this.current = example;
    byId('example-title').textContent = example.title;
    byId('query').value = example.query.trim() + '\n';
    this.ctx.data.set(example.documents);
    this.onChange();
  }

  /** The output the current example should verify to, unless its query or data were edited. */
  expected() {
    const example = this.current;
    if (example?.expected == null) return null;
    const sameQuery = byId('query').value.trim() === example.query.trim();
    const sameData = JSON.stringify(this.ctx.data.documentsOrNull()) === JSON.stringify(example.documents);
    return sameQuery && sameData ? example.expected : null;
  }

  /** `true` in trustless mode. */
  trustless() {
    return document.querySelector('input[name=trust]:checked')?.value === 'trustless';
  }

  /** `'queue'` or `'sync'`. */
  mode() {
    return document.querySelector('input[name=request]:checked')?.value ?? 'queue';
  }

  /** The evaluation date, `YYYY-MM-DD`. */
  evaluationDate() {
    return this.date.value || this.ctx.session.today;
  }

}
