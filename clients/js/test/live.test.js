// The JavaScript client's events: long poll and the resuming WebSocket, against a real `opchat serve`.
//   OPCHAT_BINARY=build/opchat node --test clients/js/test/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameReader, OpchatClient, OpchatError, encodeClientFrame } from '../index.js';
import { startRecordProxy } from '../../../tests/openapi/start-record-proxy.mjs';

const BINARY = process.env.OPCHAT_BINARY ?? 'build/opchat';
let dir, server, url, credential;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const proxies = [];
/**
 * `opchat serve` on a fresh database in `dir` (with `config`, TOML, if given), one client on `shop`.
 * A new server's `url` is that of a record proxy in front of it when OPCHAT_RECORD_ANSWERS is set;
 * one restarted on `port` keeps the proxy its clients already use.
 */
async function startServer(name, config, port) {
  const restart = port !== undefined;
  const db = `sqlite:${join(dir, `${name}.db`)}`;
  const cred = port ? null : JSON.parse(execFileSync(BINARY, ['client', 'add', '--db', db, '--name', 'js', '--channel', 'shop'], { encoding: 'utf8' }));
  port ??= await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['serve', '--db', db, '--listen', `127.0.0.1:${port}`];
  if (config) {
    writeFileSync(join(dir, `${name}.toml`), config);
    args.push('--config', join(dir, `${name}.toml`));
  }
  const proc = spawn(BINARY, args, { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGTERM');
      throw new Error('opchat serve did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (restart) return { proc, port, url: base, credential: cred };
  const proxy = await startRecordProxy(port);
  proxies.push(proxy);
  return { proc, port, url: `http://127.0.0.1:${proxy.port}`, credential: cred };
}

const servers = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opchat-js-live-'));
  ({ proc: server, url, credential } = await startServer('opchat'));
  servers.push(server);
});

after(() => {
  for (const p of proxies) p.stop();
  for (const p of servers) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const client = (extra = {}) => new OpchatClient(url, { client: credential.client, secret: credential.secret, channel: 'shop', ...extra });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = (chatId, msg) => ({ direction: 'userToOperator', type: 'txt', msg });

/** Waits until `predicate()` holds, failing after `ms`. */
async function until(predicate, ms = 8000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The cursor of "now": the `next` of a poll that reads everything. */
async function head(op) {
  let { next, events } = await op.events({ after: '0', limit: 1000 });
  while (events.length === 1000) ({ next, events } = await op.events({ after: next, limit: 1000 }));
  return next;
}

test('frames: client frames are masked, server frames of every length form are read', () => {
  for (const n of [0, 125, 126, 65535, 65536, 70000]) {
    const payload = Buffer.alloc(n, 0x61);
    const frame = encodeClientFrame(0x1, payload);
    assert.equal(frame[1] & 0x80, 0x80);
    const [read] = new FrameReader().push(frame); // the reader unmasks a masked frame too
    assert.equal(read.payload.length, n);
    assert.ok(read.payload.equals(payload));
    // unmasked, delivered byte by byte in two halves
    const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const unmasked = Buffer.concat([Buffer.from([0x81]), frame.subarray(1, head), payload]);
    unmasked[1] &= 0x7f;
    const reader = new FrameReader();
    const split = Math.min(3, unmasked.length - 1);
    assert.deepEqual(reader.push(unmasked.subarray(0, split)), []);
    const frames = reader.push(unmasked.subarray(split));
    assert.equal(frames.length, 1);
    assert.ok(frames[0].payload.equals(payload));
  }
  // a fragmented message with a ping between its fragments
  const frames = new FrameReader().push(Buffer.from([0x01, 2, 0x7b, 0x22, 0x89, 0, 0x80, 1, 0x7d]));
  assert.deepEqual(frames.map((f) => [f.fin, f.opcode, f.payload.toString()]), [[false, 1, '{"'], [true, 9, ''], [true, 0, '}']]);
});

test('long poll returns the events of writes with next', async () => {
  const op = client();
  const from = await head(op);
  const chat = await op.createChat({ userId: 'u0001c0ffee' });
  await op.sendMessage(chat.chatId, text(chat.chatId, 'one'));
  const page = await op.events({ after: from, chatId: chat.chatId });
  assert.deepEqual(page.events.map((e) => e.type), ['chat.created', 'message.created']);
  assert.equal(page.events[1].data.message.msg, 'one');
  assert.equal(page.next, page.events[1].id);
  const typed = await op.events({ after: from, types: ['message.created'] });
  assert.deepEqual(typed.events.map((e) => e.data.message?.msg), ['one']);
  assert.deepEqual((await op.events({ after: page.next })).events, []);
  await assert.rejects(op.events({ waitMs: 30001 }), (e) => e instanceof OpchatError && e.code === 400);
});

test('waitMs waits for a send made after the poll started', async () => {
  const op = client();
  const chat = await op.createChat({ userId: 'u0001c0ffee' });
  const from = await head(op);
  const started = Date.now();
  const poll = op.events({ after: from, waitMs: 10000 });
  await sleep(300);
  await op.sendMessage(chat.chatId, text(chat.chatId, 'late'));
  const page = await poll;
  const waited = Date.now() - started;
  assert.deepEqual(page.events.map((e) => e.data.message.msg), ['late']);
  assert.ok(waited >= 250 && waited < 5000, `waited ${waited} ms`);
});

for (const signMethod of ['md5', 'hmac-sha256']) {
  test(`live WebSocket receives events in order (${signMethod})`, async () => {
    const op = client({ signMethod });
    const from = await head(op);
    const got = [];
    const live = op.live({ after: from, onEvent: (e) => got.push(e) });
    try {
      const chat = await op.createChat({ userId: 'u0001c0ffee' });
      await op.sendMessage(chat.chatId, text(chat.chatId, 'a'));
      await op.sendMessage(chat.chatId, text(chat.chatId, 'b'));
      await op.endChat(chat.chatId);
      await until(() => got.length >= 4, 8000, 'four events');
      assert.deepEqual(got.map((e) => e.type), ['chat.created', 'message.created', 'message.created', 'chat.status_changed']);
      assert.deepEqual(got.slice(1, 3).map((e) => e.data.message.msg), ['a', 'b']);
      const ids = got.map((e) => Number(e.id));
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      assert.equal(live.lastId, got[3].id);
      assert.equal(live.connections, 1);
    } finally {
      live.close();
    }
    assert.equal(await live.done, null);
  });
}

test('a killed socket resumes: every message exactly once, in order', async () => {
  const op = client();
  const chat = await op.createChat({ userId: 'u0001c0ffee' });
  const from = await head(op);
  const got = [];
  const errors = [];
  const live = op.live({ after: from, chatId: chat.chatId, types: ['message.created'], onEvent: (e) => got.push(e), onError: (e) => errors.push(e) });
  const sent = [];
  try {
    await until(() => live.socket !== null, 5000, 'the first connection');
    for (let i = 0; i < 30; i++) {
      sent.push(`m${i}`);
      await op.sendMessage(chat.chatId, text(chat.chatId, `m${i}`));
      if (i === 5 || i === 17) {
        await until(() => live.socket !== null, 8000, 'a connection');
        live.socket.destroy(); // the connection drops while messages keep coming
      }
    }
    await until(() => got.length >= sent.length, 15000, 'every message');
    await sleep(200); // a duplicate would arrive now
    assert.deepEqual(got.map((e) => e.data.message.msg), sent);
    assert.ok(live.connections >= 3, `${live.connections} connections`);
    assert.ok(errors.length >= 2);
  } finally {
    live.close();
  }
});

test('a bad signature is refused with an error and live stops', async () => {
  const closed = [];
  const live = client({ secret: 'wrong' }).live({ onEvent: () => {}, onClose: (e) => closed.push(e) });
  const error = await live.done;
  assert.ok(error instanceof OpchatError);
  assert.equal(error.code, 401);
  assert.deepEqual(closed, [error]);
  assert.equal(live.connections, 0);
});

test('an expired or foreign cursor stops live with an error', async () => {
  const live = client().live({ after: 'not-a-cursor', onEvent: () => {} });
  const error = await live.done;
  assert.equal(error.code, 400);
});

test('pings are answered; a server stop (1001) and restart resumes exactly once', async () => {
  // a ping after 1 s of silence; a connection that answers nothing for 2 s is closed
  const config = '[live]\nping_interval_s = 1\n';
  const first = await startServer('restart', config);
  servers.push(first.proc);
  const { credential: cred, port } = first;
  const op = new OpchatClient(first.url, { client: cred.client, secret: cred.secret, channel: 'shop' });
  const chat = await op.createChat({ userId: 'u0001c0ffee' });
  const got = [];
  const errors = [];
  const live = op.live({ after: await head(op), types: ['message.created'], onEvent: (e) => got.push(e.data.message.msg), onError: (e) => errors.push(e) });
  try {
    await until(() => live.socket !== null, 5000, 'the connection');
    await sleep(3500); // idle: without pongs the server would have closed it
    assert.equal(live.connections, 1, `reconnected after ${errors.map(String)}`);
    const sent = ['before'];
    await op.sendMessage(chat.chatId, text(chat.chatId, 'before'));
    await until(() => got.length === 1, 5000, 'the first message');
    const stopped = new Promise((r) => first.proc.once('exit', r));
    first.proc.kill('SIGTERM');
    await stopped;
    const second = await startServer('restart', config, port);
    servers.push(second.proc);
    for (let i = 0; i < 5; i++) {
      sent.push(`after ${i}`);
      await op.sendMessage(chat.chatId, text(chat.chatId, sent.at(-1)));
    }
    await until(() => got.length >= sent.length, 15000, 'every message');
    await sleep(200);
    assert.deepEqual(got, sent);
    assert.ok(errors.some((e) => e.apiMessage.startsWith('closed 1001')), errors.map(String).join('; '));
    assert.ok(live.connections >= 2);
  } finally {
    live.close();
  }
});

/** A scripted WebSocket server on 127.0.0.1: `script(socket, reader, query)` runs per connection. */
async function fakeServer(script) {
  const queries = [];
  const srv = createServer((socket) => {
    let head = Buffer.alloc(0);
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const text = head.subarray(0, end).toString();
      const key = /sec-websocket-key: *(\S+)/i.exec(text)[1];
      const query = new URL(text.split(' ')[1], 'http://x').searchParams;
      queries.push(query);
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const reader = new FrameReader();
      const frames = [];
      socket.on('data', (c) => frames.push(...reader.push(c)));
      script(socket, frames, query, queries.length);
    };
    socket.on('data', onHead);
    socket.on('error', () => {});
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, queries, url: `http://127.0.0.1:${srv.address().port}` };
}

/** A server frame (unmasked): `len` forces the 16- or 64-bit length form. */
function serverFrame(opcode, payload, { fin = true } = {}) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, n]) : n < 65536 ? Buffer.from([0, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) { head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2); }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

test('frames on the wire: fragments, pings, long lengths, silence, then 4410 stops', async () => {
  const big = 'y'.repeat(70000);
  const ev = (id, msg) => Buffer.from(JSON.stringify({ id: String(id), type: 'message.created', data: { message: { msg } } }));
  const pongs = [];
  const fake = await fakeServer((socket, frames, query, n) => {
    if (n === 1) {
      const one = ev(1, 'fragmented');
      socket.write(serverFrame(0x1, one.subarray(0, 10), { fin: false }));
      socket.write(serverFrame(0x9, Buffer.from('hi'))); // a ping between the fragments
      socket.write(serverFrame(0x0, one.subarray(10, 20), { fin: false }));
      socket.write(serverFrame(0x0, one.subarray(20)));
      socket.write(serverFrame(0x1, ev(2, 'm'.repeat(200)))); // 16-bit length
      socket.write(serverFrame(0x1, ev(3, big))); // 64-bit length
      setTimeout(() => pongs.push(...frames.filter((f) => f.opcode === 0xa)), 100);
      // then silence: the client's idle timeout drops it
    } else {
      socket.write(serverFrame(0x8, Buffer.concat([Buffer.from([4410 >> 8, 4410 & 255]), Buffer.from('cursor expired')])));
    }
  });
  try {
    const op = new OpchatClient(fake.url, { client: 'c', secret: 's', channel: 'x' });
    const got = [];
    const live = op.live({ after: '0', onEvent: (e) => got.push(e), idleTimeoutMs: 400 });
    const error = await live.done;
    assert.deepEqual(got.map((e) => e.id), ['1', '2', '3']);
    assert.equal(got[0].data.message.msg, 'fragmented');
    assert.equal(got[2].data.message.msg, big);
    assert.deepEqual(pongs.map((f) => f.payload.toString()), ['hi']);
    assert.deepEqual(fake.queries.map((q) => q.get('after')), ['0', '3']); // resumed from the last id
    assert.equal(error.code, 410);
    assert.equal(live.connections, 2);
  } finally {
    fake.srv.close();
  }
});
