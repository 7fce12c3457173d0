// A client for the opchat Op API v2. Node 18+ standard library only (node:crypto, global fetch).
//
//   import { OpchatClient } from 'opchat-client';
//   const op = new OpchatClient('http://127.0.0.1:8080', { client, secret, channel: 'web-shop' });
//   const chat = await op.createChat({ userId: 'u0001c0ffee' });
//   await op.acceptChat(chat.chatId, 'op-7');
//   await op.sendMessage(chat.chatId, { direction: 'operatorToUser', type: 'txt', msg: '您好' });
//   const page = await op.history(chat.chatId, { pageNum: 1, pageSize: 20 });
//
// Each method signs its request (docs/api.md "Signing"), adds `timestamp` and a fresh `nonce` on
// write endpoints, and resolves to the answer's `data` or, for paged endpoints and sendMessage, to
// the whole envelope. An answer whose `code` is not 200 rejects with an OpchatError.
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Endpoints that require timestamp and nonce and refuse body fields they do not take. */
export const WRITE_ENDPOINTS = new Set(['createChat', 'acceptChat', 'suspendChat', 'resumeChat',
  'endChat', 'deleteChat', 'sendMessage']);

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
 * @param {{method?: 'md5'|'hmac-sha256', path?: string}} [options] `path` is used by hmac-sha256
 * @returns {string} lowercase hex
 */
export function signQuery(params, body, secret, { method = 'md5', path = '' } = {}) {
  const names = Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = Buffer.from(names.map((k) => `${k}=${params[k]}`).join('&'));
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (method === 'md5') {
    return createHash('md5').update(canonical).update(raw).update(secret).digest('hex');
  }
  if (method === 'hmac-sha256') {
    return createHmac('sha256', secret).update(`POST\n${path}\n`).update(canonical).update(raw)
      .digest('hex');
  }
  throw new Error(`unknown sign method: ${method}`);
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
   * @param {string} endpoint @param {object} body @param {{stamp?: boolean}} [options]
   * @returns {Promise<any>}
   */
  async call(endpoint, body, { stamp } = {}) {
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
    // encodeURIComponent, not URLSearchParams: the server decodes '+' as a space, and so would
    // sign a different string than a '+' that URLSearchParams leaves unescaped.
    const query = Object.entries(params)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    let text;
    try {
      const response = await fetch(`${this.baseUrl}${path}?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: raw,
        signal: AbortSignal.timeout(this.timeoutMs),
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
}
