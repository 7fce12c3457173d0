#!/usr/bin/env node
'use strict';
// idle_ws.js: how much memory a server spends per idle live WebSocket (GET /op/v2/live, SPEC §9).
// Opens --connections signed WebSockets (in batches of 200), holds them, and reads the server's
// VmRSS (the pid and its descendants) before and with them. Prints one JSON line:
//   {"connections","open","rss_before_kb","rss_idle_kb","per_conn_kb","seconds_to_open"}
//
//   node idle_ws.js --url http://127.0.0.1:18380 --data DATA --connections 10000 --server-pid PID
// Needs the npm package ws (NODE_PATH, as live-latency.js).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const WebSocket = require('ws');

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    data: { type: 'string' },
    'client-name': { type: 'string', default: 'all-channels' },
    connections: { type: 'string', default: '10000' },
    'server-pid': { type: 'string' },
    'hold-ms': { type: 'string', default: '3000' },
  },
});
const clients = JSON.parse(fs.readFileSync(path.join(opt.data, 'clients.json'), 'utf8'));
const client = clients.find((c) => c.name === opt['client-name']);
const N = Number(opt.connections);
const base = new URL(opt.url);

function liveUrl() {
  const p = { apiVersion: '01', channel: client.channels[0], client: client.clientId, version: '2.0' };
  const canonical = Object.keys(p).sort().map((k) => `${k}=${p[k]}`).join('&');
  const sign = crypto.createHash('md5').update(canonical + client.secret, 'utf8').digest('hex');
  return `ws://${base.host}/op/v2/live?${new URLSearchParams(p)}&sign=${sign}`;
}

function rssKb(pid) {
  // The pid and its descendants (node-baseline runs cluster workers).
  let total = 0;
  const todo = [String(pid)];
  while (todo.length) {
    const p = todo.pop();
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        const kids = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) todo.push(...kids.split(/\s+/));
      }
    } catch {
      // gone
    }
  }
  return total;
}

function open(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => resolve(ws));
    ws.on('error', () => resolve(null));
    ws.on('unexpected-response', () => resolve(null));
  });
}

(async () => {
  const pid = Number(opt['server-pid']);
  const before = rssKb(pid);
  const url = liveUrl();
  const sockets = [];
  const start = Date.now();
  for (let i = 0; i < N; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, N - i) }, () => open(url)));
    sockets.push(...batch);
  }
  const opened = (Date.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, Number(opt['hold-ms'])));
  const idle = rssKb(pid);
  const stillOpen = sockets.filter((s) => s && s.readyState === WebSocket.OPEN).length;
  console.log(JSON.stringify({
    connections: N, open: stillOpen, rss_before_kb: before, rss_idle_kb: idle,
    per_conn_kb: stillOpen ? Math.round(((idle - before) / stillOpen) * 10) / 10 : null,
    seconds_to_open: opened,
  }));
  for (const s of sockets) if (s) s.terminate();
  process.exit(0);
})();
