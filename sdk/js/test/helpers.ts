// Shared by the tests: the native `zkpass` binary, a real `zkpass serve`
// on a free port, temporary folders.
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The native `zkpass` binary the Rust build made: ZKPASS_BIN, else the debug build in CARGO_TARGET_DIR or target/. */
export function zkpassBin(): string {
  const target = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
  const bin = process.env.ZKPASS_BIN ?? join(target, 'debug', 'zkpass');
  if (!existsSync(bin)) {
    throw new Error(`no zkpass binary at ${bin}: build it with \`cargo build -p zkpass-cli\` or set ZKPASS_BIN`);
  }
  return bin;
}

/** What a finished `zkpass` run left. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `zkpass args…` to completion. */
export function zkpass(args: string[], options: SpawnSyncOptions = {}): Run {
  const r = spawnSync(zkpassBin(), args, { maxBuffer: 64 * 1024 * 1024, ...options, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Like {@link zkpass}, and fails with its standard error unless it succeeds; returns standard output. */
export function zkpassOk(args: string[], options: SpawnSyncOptions = {}): string {
  const r = zkpass(args, options);
  if (r.status !== 0) throw new Error(`zkpass ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'zkpass-js-'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A running `zkpass serve`. */
export interface Service {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** A temporary folder for the test's files. */
  dir: string;
  /** The service's data directory (keys, root). */
  dataDir: string;
  /** `KEY:SECRET`. */
  apiKey: string;
  /** The operator root public key, SPKI PEM. */
  rootPem: string;
  /** Its file. */
  rootPemPath: string;
  /** What the service logged. */
  log: () => string;
  /** Stops it (SIGTERM) and waits. */
  stop: () => Promise<void>;
}

/**
 * Starts `zkpass serve` with an in-process (unattested) enclave, its keys
 * and root made in a fresh data directory, one API key `k:s`; `workers: 0`
 * leaves jobs queued.
 */
export async function startService({ respondAsync = false, workers }: { respondAsync?: boolean; workers?: number } = {}): Promise<Service> {
  const dir = tempDir();
  const port = await freePort();
  const hash = createHash('sha256').update('s').digest('hex');
  const config = join(dir, 'zkpass.toml');
  writeFileSync(
    config,
    `listen = "127.0.0.1:${port}"\ndata_dir = "${join(dir, 'data')}"\nrespond_async = ${respondAsync}\n` +
      `[[api_keys]]\nkey = "k"\nsecret_sha256 = "${hash}"\n` +
      (workers === undefined ? '' : `[jobs]\nworkers = ${workers}\n`),
  );
  const child = spawn(zkpassBin(), ['serve', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`zkpass serve exited ${child.exitCode}:\n${log}`);
    try {
      const r = await fetch(`${base}/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`zkpass serve did not get ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const dataDir = join(dir, 'data');
  return {
    base,
    dir,
    dataDir,
    apiKey: 'k:s',
    rootPem: readFileSync(join(dataDir, 'root-key.pub.pem'), 'utf8'),
    rootPemPath: join(dataDir, 'root-key.pub.pem'),
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Reads a file of the repository as text. */
export function repoFile(path: string): string {
  return readFileSync(join(repo, path), 'utf8');
}

/** The bank-loan-approved example: its query (text), its document and the output it must give. */
export const LOAN = {
  query: repoFile('examples/bank-loan-approved/query.json'),
  doc: JSON.parse(repoFile('examples/bank-loan-approved/user_data.json')) as Record<string, unknown>,
  expected: JSON.parse(repoFile('examples/bank-loan-approved/expected_output.json')) as Record<string, unknown>,
};

/** The Cargo target directory (CARGO_TARGET_DIR, else target/): tests write their artefacts under it. */
export function targetDir(): string {
  return process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
}
