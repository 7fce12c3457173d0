// The channel's events over the WebSocket GET /op/v2/live, resumed after every drop.
//
// The server sends each event once per connection, in cursor order; reconnecting with
// after=<last id received> delivers exactly the events missed in between (docs/api.md
// "Events"). So the cursor only moves forward when an event has been handed on, and an id at or
// before the cursor is dropped: a frame racing a reconnect is never handed on twice.

import { op, ApiError } from './api.js';

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;

/** Ids are opaque strings, increasing; today decimal positions. Compare as such when they are. */
function isAfter(id, cursor) {
  if (cursor === null) return true;
  if (/^\d+$/.test(id) && /^\d+$/.test(cursor)) {
    return id.length !== cursor.length ? id.length > cursor.length : id > cursor;
  }
  return id !== cursor;
}

export class LiveEvents {
  /**
   * @param {{after: string|null, onEvent: (event: object) => void,
   *          onState: (connected: boolean) => void, onExpired: (oldest: string|null) => void}} options
   *   `after`: the cursor to start from (null: from now on). onExpired: the cursor is older
   *   than the kept events (close code 4410): the caller re-reads what it shows.
   */
  constructor({ after, onEvent, onState, onExpired }) {
    this.cursor = after;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onExpired = onExpired;
    this.delay = MIN_DELAY_MS;
    this.socket = null;
    this.timer = null;
    this.stopped = false;
    // The browser tells the page when the network comes back: retry then, not at the backoff.
    this.onOnline = () => this.#reconnectNow();
    // …and when it goes away: a socket over a dead network can look open for minutes, so drop
    // it and resume from the cursor once the network is back.
    this.onOffline = () => this.socket?.close(4001, 'offline');
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.#connect();
  }

  /** Stops for good (sign-out). */
  close() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
  }

  #url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = this.cursor === null ? '' : `?after=${encodeURIComponent(this.cursor)}`;
    return `${scheme}//${location.host}/op/v2/live${query}`;
  }

  #connect() {
    if (this.stopped) return;
    const socket = new WebSocket(this.#url());
    let opened = false;
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.socket) return;
      opened = true;
      this.delay = MIN_DELAY_MS;
      this.onState(true);
    });
    socket.addEventListener('message', (frame) => {
      if (socket !== this.socket) return;
      this.#deliver(frame.data);
    });
    socket.addEventListener('close', (closing) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.onState(false);
      if (closing.code === 4410) {
        this.#expired(closing.reason || null);
      } else if (!opened && this.cursor !== null) {
        this.#checkCursor();
      }
      this.#scheduleReconnect();
    });
  }

  #expired(oldest) {
    this.cursor = null;
    this.onExpired(oldest);
  }

  /** A refused upgrade shows the page no status; an expired cursor is refused (410) on every
   * retry, so ask the long-poll endpoint, which answers the same refusal readably. */
  #checkCursor() {
    const cursor = this.cursor;
    op('events', { after: cursor, limit: 1 }).catch((error) => {
      if (error instanceof ApiError && error.status === 410 && this.cursor === cursor && !this.stopped) {
        this.#expired(null);
      }
    });
  }

  #deliver(text) {
    let event;
    try { event = JSON.parse(text); } catch { return; }
    if (!event || typeof event.id !== 'string' || !isAfter(event.id, this.cursor)) return;
    this.cursor = event.id;
    this.onEvent(event);
  }

  #scheduleReconnect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // Jitter keeps many consoles from reconnecting in step after a server restart.
    const wait = this.delay * (0.75 + Math.random() * 0.5);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.timer = setTimeout(() => this.#connect(), wait);
  }

  #reconnectNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.delay = MIN_DELAY_MS;
    this.#connect();
  }
}
