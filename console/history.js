// The history of the open chat: the newest page first, older pages when the reader scrolls to
// the top, new messages appended as they arrive. Messages are kept by `seq` (their position,
// 1-based, fixed once stored), so a message arriving both from a page and from a live event is
// drawn once, and always in position order.
import { op } from './api.js';
import { el, clear } from './dom.js';
import { t } from './i18n.js';
import { drawMessage } from './messages.js';

const PAGE_SIZE = 50;
// How close to the top (px) counts as "at the top", and to the bottom as "following along".
const TOP_SLACK = 40;
const BOTTOM_SLACK = 80;

export class HistoryView {
  /** @param {HTMLElement} scroller the role="log" region that scrolls
   *  @param {HTMLOListElement} list the messages' list inside it  @param {HTMLElement} status its note line */
  constructor(scroller, list, status) {
    this.scroller = scroller;
    this.list = list;
    this.status = status;
    this.chat = null;
    this.nodes = new Map();     // seq -> <li>
    this.messages = new Map();  // seq -> the message it draws (to draw again in another language)
    this.ids = new Set();       // userMessageId, for messages whose seq is unknown
    this.lowest = Infinity;     // the smallest seq held
    this.loading = null;
    this.generation = 0;        // bumps on every open(): answers for an older chat are dropped
    // Whether the reader is at the newest message: then the view stays there as messages
    // arrive and as pictures and players take their height after loading.
    this.pinned = true;
    scroller.addEventListener('scroll', () => {
      this.pinned = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < BOTTOM_SLACK;
      if (scroller.scrollTop < TOP_SLACK) this.loadOlder();
    });
    new ResizeObserver(() => {
      if (this.pinned) scroller.scrollTop = scroller.scrollHeight;
    }).observe(list);
  }

  /** Shows `chat` (a chat object): its newest page, scrolled to the end. */
  async open(chat) {
    this.generation += 1;
    const generation = this.generation;
    this.chat = chat;
    this.nodes.clear();
    this.messages.clear();
    this.ids.clear();
    this.lowest = Infinity;
    this.loading = null;
    clear(this.list);
    this.status.textContent = '';
    const answer = await op('operatorToUserChatMessages',
      { chatId: chat.chatId, pageNum: 1, pageSize: PAGE_SIZE, order: 'desc' });
    if (generation !== this.generation) return;
    this.#insert(answer.data.msg);
    this.pinned = true;
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.#noteBeginning();
    // A short first page leaves no scrollbar, so no scroll event would ever ask for more.
    if (this.scroller.scrollHeight <= this.scroller.clientHeight) await this.loadOlder();
  }

  /** Closes the view (no chat shown). */
  close() {
    this.generation += 1;
    this.chat = null;
    this.nodes.clear();
    this.messages.clear();
    this.ids.clear();
    clear(this.list);
    this.status.textContent = '';
  }

  /** Adds a message that arrived live for the open chat (the view follows when pinned). */
  append(message) {
    this.#insert([message]);
    if (this.pinned) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** The page before the oldest message held, inserted above it without moving what the reader
   * sees: the scroll position is re-anchored by the height the new messages added. */
  loadOlder() {
    if (!this.chat || this.loading || this.lowest <= 1 || this.lowest === Infinity) {
      return this.loading ?? Promise.resolve();
    }
    const generation = this.generation;
    const count = Math.min(PAGE_SIZE, this.lowest - 1);
    // afterSeq pages count from the start, so they do not shift as new messages arrive
    // (desc pages do): this one holds exactly seq lowest-count … lowest-1.
    const afterSeq = this.lowest - 1 - count;
    this.status.textContent = t('loadingOlder');
    this.loading = op('operatorToUserChatMessages',
      { chatId: this.chat.chatId, afterSeq, pageSize: count })
      .then((answer) => {
        if (generation !== this.generation) return;
        const scroller = this.scroller;
        const fromBottom = scroller.scrollHeight - scroller.scrollTop;
        this.#insert(answer.data.msg);
        scroller.scrollTop = scroller.scrollHeight - fromBottom;
        this.#noteBeginning();
      })
      .finally(() => {
        if (generation === this.generation) this.loading = null;
      });
    return this.loading;
  }

  /** Draws every message again in place (after a language switch); the scroll stays put. */
  redraw() {
    if (!this.chat) return;
    for (const [seq, node] of this.nodes) {
      const message = this.messages.get(seq);
      const again = drawMessage(message, this.#fromOperator(message));
      node.replaceWith(again);
      this.nodes.set(seq, again);
    }
    this.#noteBeginning();
  }

  #noteBeginning() {
    this.status.textContent = this.lowest <= 1 || this.nodes.size === 0 ? t('beginning') : '';
  }

  #insert(messages) {
    for (const message of messages) {
      const seq = Number(message.seq);
      if (this.nodes.has(seq) || this.ids.has(message.userMessageId)) continue;
      const node = drawMessage(message, this.#fromOperator(message));
      const after = this.#firstAbove(seq);
      this.list.insertBefore(node, after);
      this.nodes.set(seq, node);
      this.messages.set(seq, message);
      this.ids.add(message.userMessageId);
      this.lowest = Math.min(this.lowest, seq);
    }
  }

  /** The node that should follow `seq` (null: the end). New messages come in at either end, so
   * look from the closer one. */
  #firstAbove(seq) {
    const last = this.list.lastElementChild;
    if (!last || Number(last.dataset.seq) < seq) return null;
    for (let node = this.list.firstElementChild; node; node = node.nextElementSibling) {
      if (Number(node.dataset.seq) > seq) return node;
    }
    return null;
  }

  #fromOperator(message) {
    // The user's messages come from the chat's userId; anything else is the operator side.
    return message.form !== this.chat.userId;
  }
}
