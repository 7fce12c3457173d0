// A reverse proxy that records every answer it passes on, in the format of the integration tests'
// recorder (tests/http_test_client.cpp), so validate-answers.mjs checks the answers that the doc
// examples and the client tests see too.
//
//   node record-proxy.mjs UPSTREAM_PORT RECORD_FILE
//
// Listens on a free port of 127.0.0.1 and prints it (`PORT\n`) once listening. Each request goes
// to 127.0.0.1:UPSTREAM_PORT as it came (method, path and query, headers, Host included), on a
// connection of its own; the answer streams back as it arrives, so long polls and Server-Sent
// Events behave as without the proxy. Each answer that is not an event stream, once complete,
// appends one NDJSON line {method, path, status, contentType, body, request?} to RECORD_FILE in
// one write on an O_APPEND descriptor, so processes recording into one file do not interleave.
// WebSocket upgrades are piped both ways unrecorded. When the upstream cannot be reached, the
// client's connection is dropped, as a stopped server would. Exits when stdin closes (the parent
// is gone) or on SIGTERM.
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const [upstreamArg, recordFile] = process.argv.slice(2);
const upstreamPort = Number(upstreamArg);
if (!Number.isInteger(upstreamPort) || !recordFile) {
  console.error('usage: record-proxy.mjs UPSTREAM_PORT RECORD_FILE');
  process.exit(2);
}

// Connection and Keep-Alive describe one hop: each side of the proxy has its own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive']);
function endToEnd(rawHeaders) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(rawHeaders[i].toLowerCase())) out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

function record(req, requestBody, answer, body) {
  const line = {
    method: req.method,
    path: req.url.split('?')[0],
    status: answer.statusCode,
    contentType: answer.headers['content-type'] ?? '',
    body: body.toString('utf8'),
  };
  if (requestBody.length > 0) line.request = requestBody.toString('utf8');
  appendFileSync(recordFile, JSON.stringify(line) + '\n');
}

const server = http.createServer((req, res) => {
  const requestChunks = [];
  req.on('data', (chunk) => requestChunks.push(chunk));
  const upstream = http.request({
    host: '127.0.0.1',
    port: upstreamPort,
    method: req.method,
    path: req.url,
    headers: [...endToEnd(req.rawHeaders), 'Connection', 'close'],
    agent: false,
  }, (answer) => {
    res.writeHead(answer.statusCode, answer.statusMessage, endToEnd(answer.rawHeaders));
    const stream = (answer.headers['content-type'] ?? '').startsWith('text/event-stream');
    // An event stream's headers go out at once: its first event may be long in coming.
    if (stream) res.flushHeaders();
    const chunks = [];
    if (!stream) answer.on('data', (chunk) => chunks.push(chunk));
    answer.on('end', () => {
      if (!stream) record(req, Buffer.concat(requestChunks), answer, Buffer.concat(chunks));
    });
    answer.on('error', () => res.destroy());
    answer.pipe(res);
  });
  // Unreachable or gone upstream: drop the client's connection, as a stopped server would.
  upstream.on('error', () => res.destroy());
  // A client that leaves (e.g. ends a long poll or an event stream) ends the upstream request.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
});

// WebSocket (or any other upgrade): the request's head, then the bytes of both sides as they are.
server.on('upgrade', (req, socket, head) => {
  const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
    let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) text += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    upstream.write(text + '\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  // Either side closed: the other closes too, once what it was still sending has gone out (a
  // WebSocket close frame must reach the client). Either side failed: the other is destroyed.
  const closeAfterFlush = (s) => s.end(() => s.destroy());
  upstream.on('error', () => socket.destroy());
  upstream.on('close', () => closeAfterFlush(socket));
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => closeAfterFlush(upstream));
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
