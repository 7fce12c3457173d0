// A webhook receiver for the tests of opchat's webhooks: it records every delivery, checks its
// Standard Webhooks signature, and answers as the test tells it to.
//
//   node receiver.mjs [--tls-cert FILE --tls-key FILE] [--secret whsec_...]... [--default-status N]
//
// Listens on 127.0.0.1, on a free port (https with --tls-cert/--tls-key), and prints one line
// `{"port":N}` on stdout once it accepts connections. It exits when its stdin closes (so a test
// that dies leaves no receiver behind) and on SIGTERM/SIGINT.
//
// Deliveries: every POST to a path outside /_control. Its body is checked with the
// `standardwebhooks` package (Webhook(secret).verify(body, headers)) against each --secret, and
// recorded as
//   {receivedMs, path, id, timestamp, type, chatId, data, verifiedWith, verifyErrors,
//    signatureHeader, headers, body, bodyText, answeredWith}
// where id/timestamp/signatureHeader are the webhook-id, webhook-timestamp and webhook-signature
// headers (timestamp as a number), type/data are the body's, chatId is data.chatId or
// data.chatInfo.chatId, verifiedWith lists the indexes (from 0, in command-line order) of the
// secrets that verified it, verifyErrors the error of each secret that did not ({index:
// message}), body is the parsed JSON (null when it is none) and answeredWith what the receiver
// did: a status (200, 500...) or "close".
//
// Answers, decided by rules: each delivery takes the first rule that matches and has times left
// (and uses one), else it is answered 200 {"ok":true} (or --default-status N).
//   match:  {} matches everything; {"chatId": "c1"} a delivery whose data.chatId or
//           data.chatInfo.chatId is "c1"; {"path": "/a"} one to that path; {"type": "t"} one of
//           that type. Several keys must all match.
//   times:  how many deliveries the rule answers (default: unlimited).
//   action: "status:N" answers N (a 3xx with Location: /elsewhere); "status:N:close" the same
//           with Connection: close; "delay:MS" waits MS then answers 200; "body:BYTES" answers
//           200 with a body of BYTES "x"s; "early-hints" sends a 103 Early Hints then answers
//           200; "close" destroys the connection without an answer.
//
// Control (JSON bodies):
//   POST /_control/secrets     ["whsec_...", ...]  replaces the secrets of --secret (the same order)
//   POST /_control/rules       [{"match": {...}, "times": N, "action": "..."}]  replaces the rules
//   GET  /_control/deliveries  the recorded deliveries, oldest first
//   POST /_control/reset       forgets the deliveries (and the counters of /_control/stats)
//   GET  /_control/stats       {"connections": TCP connections accepted (this request's too),
//                               "deliveryConnections": those that carried a delivery,
//                               "requests": deliveries}
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import standardwebhooks from "standardwebhooks";

const { Webhook } = standardwebhooks;

function parseArgs(argv) {
  const opts = { secrets: [], defaultStatus: 200, tlsCert: null, tlsKey: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--secret") opts.secrets.push(next());
    else if (a === "--tls-cert") opts.tlsCert = next();
    else if (a === "--tls-key") opts.tlsKey = next();
    else if (a === "--default-status") opts.defaultStatus = Number(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.tlsCert !== !opts.tlsKey) throw new Error("--tls-cert and --tls-key go together");
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
let verifiers = opts.secrets.map((s) => new Webhook(s));
let rules = [];
let deliveries = [];
let connections = 0;
let requests = 0;
let deliveryConnections = 0;
const deliverySockets = new WeakSet();

function chatIdOf(data) {
  if (!data || typeof data !== "object") return undefined;
  return data.chatId ?? data.chatInfo?.chatId;
}

function matches(match, delivery) {
  for (const [key, want] of Object.entries(match ?? {})) {
    if (key === "chatId" && chatIdOf(delivery.data) !== want) return false;
    if (key === "path" && delivery.path !== want) return false;
    if (key === "type" && delivery.type !== want) return false;
  }
  return true;
}

function pickAction(delivery) {
  for (const rule of rules) {
    if (rule.times !== undefined && rule.times <= 0) continue;
    if (!matches(rule.match, delivery)) continue;
    if (rule.times !== undefined) rule.times--;
    return rule.action;
  }
  return `status:${opts.defaultStatus}`;
}

function sendJson(res, status, value, extraHeaders = {}) {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

function control(req, res, path, text) {
  if (req.method === "POST" && path === "/_control/secrets") {
    let parsed;
    try {
      parsed = JSON.parse(text);
      verifiers = parsed.map((s) => new Webhook(s));
    } catch (e) {
      return sendJson(res, 400, { error: `secrets: ${e.message}` });
    }
    return sendJson(res, 200, { ok: true });
  }
  if (req.method === "POST" && path === "/_control/rules") {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: "rules: not JSON" });
    }
    if (!Array.isArray(parsed)) return sendJson(res, 400, { error: "rules: not an array" });
    for (const r of parsed) {
      const known = /^(status:\d{3}(:close)?|delay:\d+|body:\d+|early-hints|close)$/;
      if (typeof r.action !== "string" || !known.test(r.action)) {
        return sendJson(res, 400, { error: `rules: bad action ${JSON.stringify(r.action)}` });
      }
    }
    rules = parsed.map((r) => ({ match: r.match ?? {}, times: r.times, action: r.action }));
    return sendJson(res, 200, { ok: true });
  }
  if (req.method === "GET" && path === "/_control/deliveries") return sendJson(res, 200, deliveries);
  if (req.method === "POST" && path === "/_control/reset") {
    deliveries = [];
    connections = 0;
    requests = 0;
    deliveryConnections = 0;
    return sendJson(res, 200, { ok: true });
  }
  if (req.method === "GET" && path === "/_control/stats") {
    return sendJson(res, 200, { connections, deliveryConnections, requests });
  }
  return sendJson(res, 404, { error: "no such control" });
}

function deliver(req, res, path, text) {
  requests++;
  if (!deliverySockets.has(req.socket)) {
    deliverySockets.add(req.socket);
    deliveryConnections++;
  }
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  const verifiedWith = [];
  const verifyErrors = {};
  verifiers.forEach((wh, index) => {
    try {
      wh.verify(text, headers);
      verifiedWith.push(index);
    } catch (e) {
      verifyErrors[index] = String(e.message ?? e);
    }
  });
  const delivery = {
    receivedMs: Date.now(),
    path,
    id: headers["webhook-id"] ?? null,
    timestamp: headers["webhook-timestamp"] ? Number(headers["webhook-timestamp"]) : null,
    type: body?.type ?? null,
    chatId: chatIdOf(body?.data) ?? null,
    data: body?.data ?? null,
    verifiedWith,
    verifyErrors,
    signatureHeader: headers["webhook-signature"] ?? null,
    headers,
    body,
    bodyText: text,
    answeredWith: null,
  };
  deliveries.push(delivery);
  const action = pickAction(delivery);
  if (action === "close") {
    delivery.answeredWith = "close";
    req.socket.destroy();
    return;
  }
  if (action.startsWith("delay:")) {
    const ms = Number(action.slice("delay:".length));
    const timer = setTimeout(() => {
      delivery.answeredWith = 200;
      sendJson(res, 200, { ok: true });
    }, ms);
    res.on("close", () => clearTimeout(timer));
    return;
  }
  if (action === "early-hints") {
    res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
    delivery.answeredWith = 200;
    sendJson(res, 200, { ok: true });
    return;
  }
  if (action.startsWith("body:")) {
    const text = "x".repeat(Number(action.slice("body:".length)));
    delivery.answeredWith = 200;
    res.writeHead(200, { "content-type": "text/plain", "content-length": text.length });
    res.end(text);
    return;
  }
  const [, code, close] = action.split(":");
  const status = Number(code);
  delivery.answeredWith = status;
  const extra = status >= 300 && status < 400 ? { location: "/elsewhere" } : {};
  if (close) extra.connection = "close";
  sendJson(res, status, status >= 200 && status < 300 ? { ok: true } : { status }, extra);
}

function handle(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url, "http://receiver").pathname;
    if (path === "/_control" || path.startsWith("/_control/")) return control(req, res, path, text);
    if (req.method !== "POST") return sendJson(res, 405, { error: "POST only" });
    deliver(req, res, path, text);
  });
}

const server = opts.tlsCert
  ? https.createServer(
      { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) },
      handle,
    )
  : http.createServer(handle);
// Keep-alive connections stay open long enough for a test to reuse them.
server.keepAliveTimeout = 30000;
server.headersTimeout = 35000;
server.on("connection", () => connections++);  // TCP connections, TLS or not
server.on("tlsClientError", () => {});  // a client refusing our certificate is a test case

function stop() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
