// The data editor: one JSON document per tag, its public markers as
// toggles, and, after the issuer signed it, the signed token decoded.

import { byId, debounce, el, fill } from './dom.js';

const MARKER = /^_(.+)_zkpass_public_$/;

/** The marker key of `field`: `_field_zkpass_public_`. */
function markerOf(field) {
  return `_${field}_zkpass_public_`;
}

/** Every field of `object` a marker can apply to: `[path, parent, key]`, depth first. */
function fields(object, prefix = []) {
  const found = [];
  for (const [key, value] of Object.entries(object)) {
    if (MARKER.test(key)) continue;
    const path = [...prefix, key];
    // a marker applies to a value (a scalar or an array), not to an object
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) found.push(...fields(value, path));
    else found.push([path, object, key]);
  }
  return found;
}

function label(tag) {
  return tag === '' ? 'the document (no tag)' : `document “${tag}”`;
}

export class DataEditor {
  constructor(ctx) {
    this.ctx = ctx;
    this.box = byId('documents');
    this.docs = new Map();
    this.onChange = () => {};
    byId('add-document').addEventListener('click', () => this.add());
  }

  /** Replaces every document (tag → object). */
  set(documents) {
    this.docs.clear();
    fill(this.box);
    for (const [tag, document] of Object.entries(documents)) this.#editor(tag, document);
  }

  #editor(tag, document) {
    const id = `doc-${this.docs.size}`;
    const text = el('textarea', { id, rows: 10, spellcheck: 'false', autocapitalize: 'off', 'data-tag': tag });
    text.value = JSON.stringify(document, null, 2);
    const markers = el('div', { class: 'markers', role: 'group', 'aria-label': `public fields of ${label(tag)}` });
    const error = el('p', { class: 'error', 'aria-live': 'polite' });
    const token = el('pre', { class: 'token' }, 'Signed when you prove (or estimate the cost).');
    const remove = el('button', { type: 'button', onclick: () => this.#remove(tag) }, 'Remove');
    const box = el(
      'fieldset',
      { class: 'document', 'data-tag': tag },
      el('legend', {}, label(tag)),
      el('label', { for: id }, `JSON of ${label(tag)}`),
      text,
      error,
      el('p', { class: 'hint' }, 'Public fields (the issuer’s markers): a ticked field may be output as it is.'),
      markers,
      el('details', {}, el('summary', {}, 'The signed token, decoded'), token),
      remove,
    );
    const entry = { tag, text, markers, error, token, box };
    this.docs.set(tag, entry);
    this.box.append(box);
    this.#renderMarkers(entry);
    const changed = debounce(() => {
      this.#renderMarkers(entry);
      this.onChange();
    }, 250);
    text.addEventListener('input', changed);
  }

  /** Adds a document under the tag typed in `#new-tag`. */
  add() {
    const input = byId('new-tag');
    const tag = input.value.trim();
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(tag) || this.docs.has(tag)) {
      input.setCustomValidity('a new tag: a lower-case letter, then letters, digits or _');
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    input.value = '';
    this.#editor(tag, {});
    this.onChange();
  }

  #remove(tag) {
    this.docs.get(tag)?.box.remove();
    this.docs.delete(tag);
    this.onChange();
  }

  #parse(entry) {
    try {
      const value = JSON.parse(entry.text.value);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('a document is a JSON object');
      entry.error.textContent = '';
      return value;
    } catch (error) {
      entry.error.textContent = `${label(entry.tag)} is not a JSON object: ${error.message}`;
      return undefined;
    }
  }

  #renderMarkers(entry) {
    const document = this.#parse(entry);
    if (document === undefined) return;
    const toggles = fields(document).map(([path, parent, key]) => {
      const name = path.join('.');
      const box = el('input', { type: 'checkbox', checked: parent[markerOf(key)] === true, 'data-field': name });
      box.addEventListener('change', () => {
        const current = this.#parse(entry);
        if (current === undefined) return;
        const target = path.slice(0, -1).reduce((o, k) => o[k], current);
        if (box.checked) target[markerOf(key)] = true;
        else delete target[markerOf(key)];
        entry.text.value = JSON.stringify(current, null, 2);
        this.onChange();
      });
      return el('label', { class: 'marker' }, box, ' ', el('code', {}, entry.tag === '' ? name : `${entry.tag}.${name}`));
    });
    fill(entry.markers, toggles.length ? toggles : el('span', { class: 'hint' }, 'no fields'));
  }

  /** The tags, in order. */
  tags() {
    return [...this.docs.keys()];
  }

  /**
   * The documents by tag.
   * @throws {Error} naming the first document that is not a JSON object.
   */
  documents() {
    const out = {};
    for (const entry of this.docs.values()) {
      const value = this.#parse(entry);
      if (value === undefined) throw new Error(entry.error.textContent);
      out[entry.tag] = value;
    }
    if (Object.keys(out).length === 0) throw new Error('add a document');
    return out;
  }

  /** {@link documents}, or `null` while one does not parse. */
  documentsOrNull() {
    try {
      return this.documents();
    } catch {
      return null;
    }
  }

  /** Shows each signed token (or opening) decoded beside its document. */
  showTokens(tokens, zk) {
    for (const [tag, token] of Object.entries(tokens)) {
      const entry = this.docs.get(tag);
      if (entry === undefined) continue;
      let shown;
      if (token.startsWith('{')) {
        const opening = JSON.parse(token);
        shown = {
          user_data_token: { header: zk.peekHeader(opening.user_data_token), payload: zk.peekData(opening.user_data_token) },
          commitment_token: { header: zk.peekHeader(opening.commitment_token), payload: zk.peekData(opening.commitment_token) },
          salts: `${opening.salts.length} salts, kept by the holder`,
        };
      } else {
        shown = { header: zk.peekHeader(token), payload: zk.peekData(token) };
      }
      entry.token.textContent = JSON.stringify(shown, null, 2);
    }
  }
}
