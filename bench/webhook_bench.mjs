// Webhook delivery under load (docs/performance.md, "Webhooks"): a real `opchat serve`, a fast
// local receiver (Node's http server answering 204 at once), and two measurements in one run:
//
//   throughput  BACKLOG messages are sent while the endpoint is disabled; it is enabled, and the
//               receiver times the drain from the first delivery to the last: deliveries/s.
//   latency     sendMessage at RATE msg/s for SECONDS (open loop, spread over CHATS chats) while
//               the endpoint is enabled; for each delivery, receive time minus the event's
//               `timestamp` (its commit, same clock): p50 / p99 / max, and missing deliveries.
//
//   node bench/webhook_bench.mjs --opchat build/opchat --state DIR --port 18390
//        [--db URL] [--backlog 50000] [--rate 1000] [--seconds 20] [--chats 200] [--timeline 1]
//
// Prints one JSON line on stdout; progress on stderr. Everything it starts is stopped on exit.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { OpchatClient } = await import(path.join(here, '..', 'clients', 'js', 'index.js'));

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const bin = path.resolve(args.opchat ?? 'build/opchat');
const state = path.resolve(args.state ?? '/tmp/opchat-webhook-bench');
const port = Number(args.port ?? 18390);
const backlog = Number(args.backlog ?? 50000);
const rate = Number(args.rate ?? 1000);
const seconds = Number(args.seconds ?? 20);
const chatCount = Number(args.chats ?? 200);
const log = (...m) => console.error(`[webhook-bench ${new Date().toISOString().slice(11, 19)}]`, ...m);

fs.rmSync(state, { recursive: true, force: true });
fs.mkdirSync(state, { recursive: true });
const db = args.db ?? `sqlite:${state}/opchat.db`;
const config = path.join(state, 'opchat.toml');
fs.writeFileSync(config, `[server]
listen = "127.0.0.1:${port}"
access_log = false
log_level = "warn"
[storage]
url = "${db}"
sqlite_synchronous = "full"
[limits]
max_connections_per_address = 0
[webhooks]
allow_private = true
`);
const opchat = (...a) => execFileSync(bin, [...a, '--config', config], { encoding: 'utf8' });

// --- the receiver ---
const received = [];  // [receive ms, event time ms, type]
let firstAt = 0, lastAt = 0;
const receiver = http.createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const now = Date.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received.push([now, Date.parse(body.timestamp), body.type, req.headers['webhook-id']]);
    if (!firstAt) firstAt = now;
    lastAt = now;
    res.writeHead(204).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

// --- opchat ---
const channel = 'bench-webhooks';
const cred = JSON.parse(opchat('client', 'add', '--name', 'bench', '--channel', channel));
const hook = JSON.parse(opchat('webhook', 'add', '--channel', channel, '--url', hookUrl));
const server = spawn(bin, ['serve', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => { try { server.kill('SIGTERM'); } catch { /* gone */ } receiver.close(); };
process.on('exit', stop);
for (let i = 0; ; i++) {
  try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch { /* not yet */ }
  if (i > 200) throw new Error('opchat did not start');
  await new Promise((r) => setTimeout(r, 50));
}
const op = new OpchatClient(`http://127.0.0.1:${port}`, { client: cred.client, secret: cred.secret, channel });
const chats = [];
for (let i = 0; i < chatCount; i++) chats.push((await op.call('createChat', { userId: `u${i}` })).data.chatId);

async function sendMany(n, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await op.call('sendMessage', { chatId: chats[i % chats.length], direction: 'userToOperator',
                                     type: 'txt', msg: `backlog ${i}` });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function waitFor(count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const pct = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : null;

// --- throughput: a backlog drained ---
await waitFor(chatCount, 20000);  // the chat.created events
received.length = 0;
opchat('webhook', 'disable', hook.id);
await new Promise((r) => setTimeout(r, 1500));  // the server reloads endpoints every second
log(`sending a backlog of ${backlog} messages to ${chatCount} chats (endpoint disabled)`);
const sendStart = Date.now();
await sendMany(backlog, 64);
const sendSeconds = (Date.now() - sendStart) / 1000;
received.length = 0;
firstAt = 0;
opchat('webhook', 'enable', hook.id);
await waitFor(backlog, 300000);
const drained = received.length;
const drainSeconds = (lastAt - firstAt) / 1000;
log(`backlog: ${drained}/${backlog} delivered in ${drainSeconds.toFixed(2)} s = ${Math.round(drained / drainSeconds)}/s`);

// --- latency at a steady rate ---
received.length = 0;
log(`latency: sendMessage at ${rate} msg/s for ${seconds} s`);
const total = rate * seconds;
let sent = 0, failedSends = 0;
const t0 = Date.now();
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      op.call('sendMessage', { chatId: chats[sent % chats.length], direction: 'userToOperator',
                              type: 'txt', msg: `steady ${sent}` }).catch(() => { failedSends++; });
    }
    if (sent >= total) { clearInterval(tick); resolve(); }
  }, 5);
});
await waitFor(total - failedSends, 60000);
const lat = received.map(([at, time]) => at - time).sort((a, b) => a - b);
if ('timeline' in args) {
  // Where the slow deliveries fall in the run: per second of commit time, p50 / p99 / max.
  const bySecond = new Map();
  for (const [at, time] of received) {
    const second = Math.floor((time - t0) / 1000);
    if (!bySecond.has(second)) bySecond.set(second, []);
    bySecond.get(second).push(at - time);
  }
  for (const [second, l] of [...bySecond].sort((a, b) => a[0] - b[0])) {
    l.sort((a, b) => a - b);
    log(`  second ${second}: ${l.length} deliveries, p50 ${pct(l, 0.5)} p99 ${pct(l, 0.99)} max ${l[l.length - 1]} ms`);
  }
}
const ids = new Set(received.map((r) => r[3]));
const result = {
  kind: 'webhooks', db: db.startsWith('sqlite:') ? 'sqlite' : 'postgres',
  backlog, backlog_send_per_s: Math.round(backlog / sendSeconds), backlog_delivered: drained,
  backlog_drain_s: Number(drainSeconds.toFixed(2)), deliveries_per_s: Math.round(drained / drainSeconds),
  rate, seconds, sent: total - failedSends, delivered: ids.size, duplicates: received.length - ids.size,
  missing: total - failedSends - ids.size,
  p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99), max_ms: lat.length ? lat[lat.length - 1] : null,
};
console.log(JSON.stringify(result));
stop();
process.exit(0);
