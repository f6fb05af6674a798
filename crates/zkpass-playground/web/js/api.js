// The playground's own endpoints on this origin: the session and the demo
// issuer. (The holder reaches the service through the SDK's Holder.)

async function answer(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.status_text ?? `HTTP ${response.status}`);
    error.code = body?.status_code ?? 'HttpError';
    throw error;
  }
  return body;
}

/** `GET /playground/api/session`: the root key to pin, the demo API key, the issuer's key, the examples. */
export async function session() {
  return answer(await fetch('api/session'));
}

/**
 * `POST /playground/api/issue`: the demo issuer signs each document (tag →
 * object); trustless answers carry openings (JSON text) instead of tokens.
 */
export async function issue(documents, trustless, signal) {
  const response = await fetch('api/issue', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ documents, trustless }),
    signal,
  });
  return (await answer(response)).tokens;
}
