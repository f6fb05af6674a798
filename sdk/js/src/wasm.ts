/**
 * Loading the WebAssembly module: the verifier core, the query compiler
 * and the disclosure analysis of zkPass, compiled from Rust. It loads from
 * bytes, so the same package works in Node (≥ 20) and in browsers; call
 * {@link loadWasm} once before any function that needs it (the SDK's own
 * entry points call it for you).
 *
 * @module
 */
import { initSync } from '../wasm/zkpass_wasm.js';

/** Where the module's bytes come from: the bytes, a compiled module, or a URL to fetch. */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

let loaded: Promise<void> | undefined;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function bytesOf(source: WasmSource | undefined): Promise<BufferSource | WebAssembly.Module> {
  if (source instanceof WebAssembly.Module || ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    return source;
  }
  const url = source === undefined ? new URL('../wasm/zkpass_wasm_bg.wasm', import.meta.url) : new URL(source);
  if (url.protocol === 'file:' && isNode) {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load the zkPass WebAssembly module from ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/**
 * Loads and instantiates the module, once; later calls return the same
 * promise. Without `source`, the module next to this package is read
 * (from disk in Node, fetched in a browser).
 */
export function loadWasm(source?: WasmSource): Promise<void> {
  loaded ??= bytesOf(source).then((module) => {
    initSync({ module });
  });
  return loaded;
}
