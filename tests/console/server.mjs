// The real opchat binary for the console's browser tests: a temporary database (SQLite, or the
// PostgreSQL of OPCHAT_TEST_PG_URL with a channel of its own per run), its CLI for clients and
// operators, and `opchat serve` on a free loopback port.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

/** A port nobody listens on now (the kernel's choice). */
export function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

async function waitHealthy(base, child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`opchat serve exited with ${child.exitCode}`);
    try {
      const answer = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(500) });
      if (answer.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`opchat serve not healthy within ${deadlineMs} ms`);
}

export class OpchatServer {
  constructor() {
    this.binary = resolve(REPO, process.env.OPCHAT_BINARY || 'build/opchat');
    this.dir = mkdtempSync(join(tmpdir(), 'opchat-console-'));
    this.db = process.env.OPCHAT_TEST_PG_URL || `sqlite:${join(this.dir, 'opchat.db')}`;
    // The database may be reused between runs (PostgreSQL): a channel of our own keeps runs apart.
    this.channel = `console-${randomBytes(6).toString('hex')}`;
    this.config = join(this.dir, 'opchat.toml');
    writeFileSync(this.config, [
      '[server]', 'timezone = "Asia/Shanghai"',
      '[media]', 'domain = "http://media.example.com"', 'access_key = "test-access-key"',
      'secret_key = "test-secret-key"', 'url_lifetime_s = 3600',
      'image_processing = "imageView2/1/w/200/h/200"',
      '[console]', 'insecure_loopback_http = true', '',
    ].join('\n'));
    this.child = null;
    this.log = [];
  }

  /** Runs an opchat subcommand against this database; resolves to its stdout. */
  cli(args, input = '') {
    return execFileSync(this.binary, [...args, '--config', this.config, '--db', this.db],
      { input, encoding: 'utf8', timeout: 20000, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** A signed API client of this channel: {client, secret}. */
  addClient() {
    const printed = JSON.parse(this.cli(['client', 'add', '--name', 't', '--channel', this.channel]));
    return { client: printed.client ?? printed.id, secret: printed.secret };
  }

  /** A new operator of this channel; resolves to its listing plus the password. */
  addOperator(login, { role = 'agent', password = `pw-${login}-secret` } = {}) {
    const args = ['operator', 'add', '--channel', this.channel, '--login', login, '--name',
      `${login[0].toUpperCase()}${login.slice(1)}`, '--password-stdin'];
    if (role === 'supervisor') args.push('--role', 'supervisor');
    return { ...JSON.parse(this.cli(args, `${password}\n`)), password };
  }

  async start() {
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const args = ['serve', '--config', this.config, '--db', this.db,
      '--listen', `127.0.0.1:${this.port}`, '--threads', '2'];
    if (process.env.OPCHAT_CONSOLE_DIR) args.push('--console-dir', resolve(REPO, process.env.OPCHAT_CONSOLE_DIR));
    this.child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.on('data', (chunk) => {
        this.log.push(chunk.toString());
        if (this.log.length > 200) this.log.shift();
      });
    }
    await waitHealthy(this.base, this.child, 10000);
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
