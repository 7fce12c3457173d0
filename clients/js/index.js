// A client for the opchat Op API v2. Node 18+ standard library only (node:crypto, node:http,
// global fetch; the WebSocket of live() is RFC 6455's client side over node:http).
//
//   import { OpchatClient } from 'opchat-client';
//   const op = new OpchatClient('http://127.0.0.1:8080', { client, secret, channel: 'web-shop' });
//   const chat = await op.createChat({ userId: 'u0001c0ffee' });
//   await op.acceptChat(chat.chatId, 'op-7');
//   await op.sendMessage(chat.chatId, { direction: 'operatorToUser', type: 'txt', msg: '您好' });
//   const page = await op.history(chat.chatId, { pageNum: 1, pageSize: 20 });
//   const { events, next } = await op.events({ after: '0', waitMs: 25000 });   // long poll
//   const live = op.live({ after: next, onEvent: (e) => console.log(e.id, e.type) }); // WebSocket
//   live.close();
//
// Each method signs its request (docs/api.md "Signing"), adds `timestamp` and a fresh `nonce` on
// write endpoints, and resolves to the answer's `data` or, for paged endpoints and sendMessage, to
// the whole envelope. An answer whose `code` is not 200 rejects with an OpchatError.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'node:http';

/** Endpoints that require timestamp and nonce and refuse body fields they do not take. */
export const WRITE_ENDPOINTS = new Set(['createChat', 'acceptChat', 'suspendChat', 'resumeChat',
  'endChat', 'deleteChat', 'transferChat', 'sendMessage']);

/** An error answer: `code` (= the HTTP status; 0 when no JSON answer arrived) and `message`. */
export class OpchatError extends Error {
  /** @param {number} code @param {string} message @param {object|null} [answer] */
  constructor(code, message, answer = null) {
    super(`${code} ${message}`);
    this.name = 'OpchatError';
    this.code = code;
    /** the API's message (names the field on a 400) */
    this.apiMessage = message;
    this.answer = answer;
  }
}

/**
 * The signature of a request.
 * @param {Record<string,string>} params query parameters without `sign`
 * @param {string|Buffer} body the raw body, exactly as sent
 * @param {string} secret
 * @param {{method?: 'md5'|'hmac-sha256', path?: string, httpMethod?: string}} [options] `path` and
 *   `httpMethod` (default POST; GET for /op/v2/live) are used by hmac-sha256
 * @returns {string} lowercase hex
 */
export function signQuery(params, body, secret, { method = 'md5', path = '', httpMethod = 'POST' } = {}) {
  const names = Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = Buffer.from(names.map((k) => `${k}=${params[k]}`).join('&'));
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (method === 'md5') {
    return createHash('md5').update(canonical).update(raw).update(secret).digest('hex');
  }
  if (method === 'hmac-sha256') {
    return createHmac('sha256', secret).update(`${httpMethod}\n${path}\n`).update(canonical).update(raw)
      .digest('hex');
  }
  throw new Error(`unknown sign method: ${method}`);
}

/** encodeURIComponent, not URLSearchParams: the server decodes '+' as a space, and so would
 * sign a different string than a '+' that URLSearchParams leaves unescaped. */
function encodeQuery(params) {
  return Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** The fields that were given (undefined and null leave a field out). */
function fields(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

export class OpchatClient {
  /**
   * @param {string} baseUrl e.g. http://127.0.0.1:8080
   * @param {{client: string, secret: string, channel: string,
   *          signMethod?: 'md5'|'hmac-sha256', timeoutMs?: number}} options
   */
  constructor(baseUrl, { client, secret, channel, signMethod = 'md5', timeoutMs = 10000 }) {
    if (signMethod !== 'md5' && signMethod !== 'hmac-sha256') {
      throw new Error(`unknown sign method: ${signMethod}`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    Object.assign(this, { client, secret, channel, signMethod, timeoutMs });
  }

  /**
   * Signs and posts `body` to /op/v2/<endpoint>; resolves to the whole answer (the envelope).
   * Writes are stamped with timestamp and nonce; `{stamp: true}` stamps a read too.
   * @param {string} endpoint @param {object} body
   * @param {{stamp?: boolean, timeoutMs?: number}} [options]
   * @returns {Promise<any>}
   */
  async call(endpoint, body, { stamp, timeoutMs = this.timeoutMs } = {}) {
    const raw = JSON.stringify(body);
    const path = `/op/v2/${endpoint}`;
    /** @type {Record<string,string>} */
    const params = { apiVersion: '01', client: this.client, channel: this.channel, version: '2.0' };
    if (this.signMethod !== 'md5') params.signMethod = this.signMethod;
    if (stamp ?? WRITE_ENDPOINTS.has(endpoint)) {
      params.timestamp = String(Date.now());
      params.nonce = randomBytes(8).toString('hex');
    }
    params.sign = signQuery(params, raw, this.secret, { method: this.signMethod, path });
    const query = encodeQuery(params);
    let text;
    try {
      const response = await fetch(`${this.baseUrl}${path}?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: raw,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      throw new OpchatError(0, `no answer: ${e.cause?.code ?? e.message}`);
    }
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new OpchatError(0, `answer is not JSON: ${text.slice(0, 200)}`);
    }
    if (answer.code !== 200) throw new OpchatError(Number(answer.code) || 0, String(answer.message), answer);
    return answer;
  }

  async #data(endpoint, body) {
    return (await this.call(endpoint, body)).data;
  }

  /** operatorToUserChatMessages: the envelope with `data` (status, msg, chatId) and `page`.
   * @param {string} chatId
   * @param {{pageNum?: number, pageSize?: number, order?: 'asc'|'desc', afterSeq?: number}} [o] */
  history(chatId, { pageNum, pageSize = 20, order, afterSeq } = {}) {
    if (pageNum === undefined && afterSeq === undefined) pageNum = 1;
    return this.call('operatorToUserChatMessages', fields({ chatId, pageNum, pageSize, order, afterSeq }));
  }

  /** @param {{userId: string, chatId?: string, ext?: object}} o @returns {Promise<any>} the chat */
  createChat({ userId, chatId, ext }) { return this.#data('createChat', fields({ userId, chatId, ext })); }
  /** @param {string} chatId @param {string} operatorId */
  acceptChat(chatId, operatorId) { return this.#data('acceptChat', { chatId, operatorId }); }
  /** @param {string} chatId */
  suspendChat(chatId) { return this.#data('suspendChat', { chatId }); }
  /** @param {string} chatId */
  resumeChat(chatId) { return this.#data('resumeChat', { chatId }); }
  /** @param {string} chatId */
  endChat(chatId) { return this.#data('endChat', { chatId }); }
  /** @param {string} chatId */
  deleteChat(chatId) { return this.#data('deleteChat', { chatId }); }
  /** Hands a chatting chat (3) to another operator; it stays 3.
   * @param {string} chatId @param {string} operatorId the new owner */
  transferChat(chatId, operatorId) { return this.#data('transferChat', { chatId, operatorId }); }

  /** sendMessage: the envelope with `data` (the message), `chatId` and `duplicate`.
   * @param {string} chatId
   * @param {{direction: 'userToOperator'|'operatorToUser', type: string, [field: string]: any}} message */
  sendMessage(chatId, message) { return this.call('sendMessage', fields({ chatId, ...message })); }

  /** chats: the envelope with `data.chats` and `page`.
   * @param {{status?: number, operatorId?: string, userId?: string, since?: number|string,
   *          until?: number|string, pageNum?: number, pageSize?: number}} [filter] */
  chats(filter = {}) { return this.call('chats', fields(filter)); }
  /** @param {string} chatId @returns {Promise<any>} the chat */
  chatInfo(chatId) { return this.#data('chatInfo', { chatId }); }

  /** searchMessages: the envelope with `data.keyword`, `data.hits` and `page`.
   * @param {string} keyword
   * @param {{chatId?: string, type?: string, since?: number|string, until?: number|string,
   *          pageNum?: number, pageSize?: number}} [filter] */
  searchMessages(keyword, filter = {}) { return this.call('searchMessages', fields({ keyword, ...filter })); }

  /** chatTranscript: `data` with chatId, format, contentType, fileName and content.
   * @param {string} chatId @param {{format?: 'html'|'csv'|'json'}} [o] */
  chatTranscript(chatId, { format } = {}) { return this.#data('chatTranscript', fields({ chatId, format })); }

  /**
   * events (long poll): `data` = `{events, next}`; pass `next` back as `after`. An expired cursor
   * rejects with an OpchatError of code 410 whose `answer.data.oldest` is the oldest valid cursor.
   * @param {{after?: string, chatId?: string, types?: string[], limit?: number, waitMs?: number}} [o]
   * @returns {Promise<{events: OpchatEvent[], next: string}>}
   */
  async events({ after, chatId, types, limit, waitMs } = {}) {
    const answer = await this.call('events', fields({ after, chatId, types, limit, waitMs }),
      { timeoutMs: this.timeoutMs + (waitMs ?? 0) });
    return answer.data;
  }

  /**
   * The signed path and query of GET /op/v2/live (empty body; hmac-sha256 signs `GET`).
   * @param {{after?: string, chatId?: string, types?: string[]}} [o] @returns {string}
   */
  livePath({ after, chatId, types } = {}) {
    const path = '/op/v2/live';
    /** @type {Record<string,string>} */
    const params = { apiVersion: '01', client: this.client, channel: this.channel, version: '2.0' };
    if (this.signMethod !== 'md5') params.signMethod = this.signMethod;
    if (after !== undefined && after !== null) params.after = String(after);
    if (chatId) params.chatId = chatId;
    if (types?.length) params.types = types.join(',');
    params.sign = signQuery(params, '', this.secret, { method: this.signMethod, path, httpMethod: 'GET' });
    return `${path}?${encodeQuery(params)}`;
  }

  /**
   * Live events over the WebSocket GET /op/v2/live, resumed automatically.
   *
   * Calls `onEvent(event)` for each event in cursor order and remembers the last `id`. A dropped
   * connection, a close with 4000 (too slow), 1011 (storage unavailable), 1001 (server stopping),
   * a 429/503 refusal or a connection error reconnects with `after` = the last id (each
   * connection signed afresh), after 0.5 s doubling to 10 s (back to 0.5 s once connected):
   * every event arrives exactly once. A connection silent for `idleTimeoutMs` (default 75 s; the
   * server pings after 30 s of silence) counts as dropped. It stops for good on a 4410 close
   * (cursor expired) or a refusal with 400/401/403/410 (any 4xx but 429), with an OpchatError
   * (code 410 for 4410; `answer` holds the refusal), and on `close()`. `onError(error)` hears
   * each problem that led to a reconnection; `onClose(error|null)` is called once when it
   * stops, and `done` resolves to that same value.
   *
   *   const live = op.live({ after: '0', onEvent: (e) => console.log(e.id, e.type) });
   *   ...
   *   live.close();
   *
   * @param {{after?: string, chatId?: string, types?: string[],
   *          onEvent: (event: OpchatEvent) => void, onError?: (error: Error) => void,
   *          onClose?: (error: OpchatError|null) => void, idleTimeoutMs?: number}} options
   * @returns {LiveConnection}
   */
  live({ after, chatId, types, onEvent, onError, onClose, idleTimeoutMs = 75000 }) {
    return new LiveConnection(this, { after, chatId, types, onEvent, onError, onClose, idleTimeoutMs });
  }
}

/**
 * @typedef {{id: string, type: 'message.created'|'chat.created'|'chat.status_changed',
 *            channel: string, chatId: string, time: number, data: any}} OpchatEvent
 */

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
/** A refusal that no reconnection would change: 400, 401, 403, 410 and any other 4xx but 429. */
const isFatalRefusal = (code) => code >= 400 && code < 500 && code !== 429;

/**
 * One client frame: FIN set, masked with a fresh random key (RFC 6455 §5.3).
 * @param {number} opcode @param {Buffer} payload @returns {Buffer}
 */
export function encodeClientFrame(opcode, payload = Buffer.alloc(0)) {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.alloc(head + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) { frame[1] = 0x80 | 126; frame.writeUInt16BE(n, 2); }
  else { frame[1] = 0x80 | 127; frame.writeBigUInt64BE(BigInt(n), 2); }
  const mask = randomBytes(4);
  mask.copy(frame, head);
  for (let i = 0; i < n; i++) frame[head + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/**
 * Splits server frames out of a byte stream: `push(chunk)` returns the complete frames
 * `{fin, opcode, payload}` (unmasking a masked one, though servers send them unmasked).
 */
export class FrameReader {
  constructor() { this.buffer = Buffer.alloc(0); }
  /** @param {Buffer} chunk @returns {{fin: boolean, opcode: number, payload: Buffer}[]} */
  push(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames = [];
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      let len = b[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2); offset = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('websocket frame too long');
        len = Number(big); offset = 10;
      }
      const masked = (b[1] & 0x80) !== 0;
      const maskAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + len) break;
      const payload = Buffer.from(b.subarray(offset, offset + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskAt + (i & 3)];
      frames.push({ fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload });
      this.buffer = b.subarray(offset + len);
    }
    return frames;
  }
}

/** A resuming WebSocket reader of /op/v2/live; made by OpchatClient.live(). */
export class LiveConnection {
  /** @param {OpchatClient} op @param {any} options */
  constructor(op, { after, chatId, types, onEvent, onError, onClose, idleTimeoutMs = 75000 }) {
    if (typeof onEvent !== 'function') throw new TypeError('live: onEvent is required');
    this.op = op;
    /** the last event id delivered (the cursor a reconnection resumes from) */
    this.lastId = after ?? null;
    this.filter = { chatId, types };
    Object.assign(this, { onEvent, onError, onClose, idleTimeoutMs });
    /** how many connections were upgraded so far */
    this.connections = 0;
    /** the current connection's socket (net.Socket), null between connections */
    this.socket = null;
    this.stopped = false;
    this.delay = BACKOFF_FIRST_MS;
    this.timer = null;
    this.request = null;
    /** @type {Promise<OpchatError|null>} resolves once it has stopped, to the error that stopped it */
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
    this.#connect();
  }

  /** Stops: closes the connection (1000) and makes no further one. */
  close() { this.#stop(null); }

  #stop(error) {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.request?.destroy();
    const socket = this.socket;
    this.socket = null;
    if (socket && !socket.destroyed) {
      try { socket.write(encodeClientFrame(0x8, Buffer.from([0x03, 0xe8]))); } catch { /* gone */ }
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    }
    try { this.onClose?.(error); } finally { this.resolveDone(error); }
  }

  /** A problem that leads to a reconnection: tell onError, wait, reconnect. */
  #retry(error) {
    if (this.stopped) return;
    this.socket = null;
    this.request = null;
    try { this.onError?.(error); } catch { /* the listener's own problem */ }
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
    this.timer = setTimeout(() => this.#connect(), wait);
  }

  #connect() {
    if (this.stopped) return;
    const url = new URL(this.op.baseUrl);
    const key = randomBytes(16).toString('base64');
    const path = this.op.livePath({ after: this.lastId ?? undefined, ...this.filter });
    const req = httpRequest({
      host: url.hostname, port: url.port || 80, path, method: 'GET',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
      timeout: this.op.timeoutMs,
    });
    this.request = req;
    let settled = false;
    req.on('timeout', () => req.destroy(new Error('no answer to the upgrade')));
    req.on('error', (e) => {
      if (settled) return;
      settled = true;
      this.#retry(new OpchatError(0, `no answer: ${e.code ?? e.message}`));
    });
    req.on('response', (res) => {
      // A refusal before the upgrade: a JSON answer.
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', () => {});
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const text = Buffer.concat(chunks).toString();
        let answer = null;
        try { answer = JSON.parse(text); } catch { /* not JSON */ }
        const code = Number(answer?.code) || res.statusCode || 0;
        const error = new OpchatError(code, String(answer?.message ?? text.slice(0, 200)), answer);
        if (isFatalRefusal(code)) this.#stop(error);
        else this.#retry(error);
      });
    });
    req.on('upgrade', (res, socket, head) => {
      settled = true;
      this.request = null;
      const expected = createHash('sha1').update(key + WS_GUID).digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        this.#retry(new OpchatError(0, 'bad Sec-WebSocket-Accept'));
        return;
      }
      if (this.stopped) { socket.destroy(); return; }
      this.connections++;
      this.delay = BACKOFF_FIRST_MS;
      this.#run(socket, head);
    });
    req.end();
  }

  /** Reads one upgraded connection until it ends. */
  #run(socket, head) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.removeAllListeners('timeout');
    socket.setTimeout(this.idleTimeoutMs, () => {
      closeReason = `no frame for ${this.idleTimeoutMs} ms`;
      socket.destroy();
    });
    const reader = new FrameReader();
    /** @type {Buffer[]} */
    let fragments = [];
    let closeCode = 1006;
    let closeReason = 'connection dropped';
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      if (this.stopped || this.socket !== socket) return;
      this.socket = null;
      if (closeCode === 4410) {
        this.#stop(new OpchatError(410, `cursor expired: ${closeReason}`));
      } else {
        this.#retry(new OpchatError(0, `closed ${closeCode}: ${closeReason}`));
      }
    };
    const onData = (chunk) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (e) {
        closeReason = e.message;
        socket.destroy();
        return;
      }
      for (const { fin, opcode, payload } of frames) {
        if (opcode === 0x9) { // ping: answer with a pong carrying the same payload
          if (!socket.destroyed) socket.write(encodeClientFrame(0xa, payload));
        } else if (opcode === 0xa) { // pong: nothing to do
        } else if (opcode === 0x8) { // close: echo the code, then end
          closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          closeReason = payload.subarray(2).toString();
          if (!socket.destroyed) {
            socket.write(encodeClientFrame(0x8, payload.subarray(0, 2)));
            socket.end();
          }
          finish();
          return;
        } else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
          fragments.push(payload);
          if (!fin) continue;
          const text = Buffer.concat(fragments).toString('utf8');
          fragments = [];
          if (this.stopped || this.socket !== socket) return;
          let event;
          try {
            event = JSON.parse(text);
          } catch {
            try { this.onError?.(new OpchatError(0, `event is not JSON: ${text.slice(0, 200)}`)); } catch { /* */ }
            continue;
          }
          this.lastId = event.id;
          try {
            this.onEvent(event);
          } catch (e) {
            try { this.onError?.(e); } catch { /* */ }
          }
        }
      }
    };
    socket.on('data', onData);
    socket.on('error', (e) => { closeReason = e.code ?? e.message; });
    socket.on('close', finish);
    socket.on('end', () => socket.end());
    if (head?.length) onData(head);
  }
}

// --- webhooks (docs/webhooks.md) ---

/** Thrown by verifyWebhook when a delivery is not authentic or is too old. */
export class WebhookVerificationError extends Error {}

/**
 * Verifies a webhook delivery (Standard Webhooks 1.0) and returns its parsed body
 * ({type, timestamp, data}). `secrets`: one "whsec_..." secret or several (during a rotation
 * either may sign). `headers`: the request's headers (names in any case); `body`: the raw body
 * (string or Buffer), exactly as received. Throws WebhookVerificationError on a missing header,
 * no matching signature, or a timestamp more than `toleranceS` seconds from now.
 */
export function verifyWebhook(secrets, headers, body, { toleranceS = 300, nowS = Date.now() / 1000 } = {}) {
  const header = (name) => {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : headers[key];
    if (typeof value !== 'string' || value === '') throw new WebhookVerificationError(`missing ${name}`);
    return value;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature').split(' ');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowS - Number(timestamp)) > toleranceS) {
    throw new WebhookVerificationError('timestamp outside the tolerance');
  }
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  for (const secret of Array.isArray(secrets) ? secrets : [secrets]) {
    if (!secret.startsWith('whsec_')) throw new TypeError('a webhook secret starts with whsec_');
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.`).update(raw).digest('base64'));
    for (const s of signatures) {
      const [version, value] = s.split(',', 2);
      if (version !== 'v1' || value === undefined) continue;
      const given = Buffer.from(value);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return JSON.parse(raw.toString('utf8'));
    }
  }
  throw new WebhookVerificationError('no matching signature');
}
