// The compiled query program is identical in WebAssembly and natively:
// every case of the golden corpus and every bundled example, compiled by
// the WASM module and by the native `zkpass cost`, has the same program
// digest; a query one refuses, the other refuses too.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { programDigest, ZkPassError } from '../dist/index.js';
import { repo, repoFile, tempDir, zkpass } from './helpers.js';

function cases(): Array<{ name: string; query: string; tags: string[] }> {
  const corpus = JSON.parse(repoFile('tests/golden/corpus.json'));
  const fromCorpus = (corpus.cases as Array<{ name: string; query: unknown; data: string | string[] }>).map((c) => ({
    name: `corpus: ${c.name}`,
    query: JSON.stringify(c.query),
    tags: typeof c.data === 'string' ? [''] : [...c.data].sort(),
  }));
  // credential examples (a dcql.json) are the subject of dcql.test.ts
  const examples = readdirSync(join(repo, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !readdirSync(join(repo, 'examples', e.name)).includes('dcql.json'))
    .map((e) => {
      const files = readdirSync(join(repo, 'examples', e.name));
      const docs = files.filter((f) => f.endsWith('.json') && !['query.json', 'expected_output.json'].includes(f));
      const tags = docs.includes('user_data.json') ? [''] : docs.map((f) => f.replace(/\.json$/, '')).sort();
      return { name: `example: ${e.name}`, query: repoFile(`examples/${e.name}/query.json`), tags };
    });
  return [...fromCorpus, ...examples];
}

test('every corpus case and example compiles to the same program in WASM and natively', async () => {
  const dir = tempDir();
  const all = cases();
  assert.ok(all.length > 90, `${all.length} cases`);
  let compiled = 0;
  for (const [i, c] of all.entries()) {
    const file = join(dir, `q${i}.json`);
    writeFileSync(file, c.query);
    const native = zkpass(['cost', '--query', file, '--json', ...c.tags.flatMap((t: string) => ['--tag', t])]);
    let wasm;
    try {
      wasm = await programDigest(c.query, c.tags);
    } catch (e) {
      if (!(e instanceof ZkPassError)) throw e;
      assert.ok(['Query', 'Proof'].includes(e.code), `${c.name}: ${e.code}`);
      assert.notEqual(native.status, 0, `${c.name}: WASM refused (${e.message}) but native compiled`);
      continue;
    }
    assert.equal(native.status, 0, `${c.name}: native refused but WASM compiled:\n${native.stderr}`);
    assert.equal(wasm, JSON.parse(native.stdout).program_digest, c.name);
    assert.match(wasm, /^[0-9a-f]{80}$/);
    compiled += 1;
  }
  // the corpus's static errors are the only refusals
  assert.ok(compiled >= all.length - 12, `${compiled} of ${all.length} compiled`);
});
