// Small DOM helpers: the page uses no framework.

/** The element with `id`; throws when the page lacks it. */
export function byId(id) {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node;
}

/**
 * A new element: `el('td', { class: 'bits' }, '3.00')`. Attributes starting
 * with `on` are listeners; `dataset` is an object of data attributes.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null));
  return node;
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null));
  return node;
}

/** A `<dt>`/`<dd>` pair for a description list. */
export function fact(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

/** `fn`, called `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Milliseconds as `850 ms` or `2.31 s`. */
export function duration(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Bytes as `1.2 KiB` or `345 KiB`. */
export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Standard base64 of `bytes` (a `Uint8Array` of any length). */
export function base64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The error's code (a `ZkPassError`'s, else the error's name) and its message without a repeated code. */
export function describeError(error) {
  const code = typeof error?.code === 'string' ? error.code : error?.name ?? 'Error';
  const message = String(error?.message ?? error);
  return { code, message: message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message };
}

/** A `<code>` with the error code, then its message. */
export function errorNode(error) {
  const { code, message } = describeError(error);
  return el('span', {}, el('code', { class: 'code' }, code), ' ', message);
}
