// The queue: the channel's chats by status (waiting, mine, suspended, ended), with a count on
// each tab and an unread mark on each chat. Unread = messages beyond what this operator has
// seen of the chat, remembered in localStorage per operator so that a reload keeps them.
import { op } from './api.js';
import { el, clear } from './dom.js';
import { t } from './i18n.js';

const LIST_SIZE = 50;
const REFRESH_DELAY_MS = 100;

/** The tabs: their label key and the `chats` filter (statuses: docs/api.md "The chat object"). */
function tabsFor(operatorId) {
  return [
    { name: 'waiting', label: 'tabWaiting', filter: { status: 1 }, unread: true },
    { name: 'mine', label: 'tabMine', filter: { status: 3, operatorId }, unread: true },
    // Every chat being answered, whoever answers it: what a supervisor transfers from.
    { name: 'chatting', label: 'tabChatting', filter: { status: 3 }, unread: false },
    { name: 'suspended', label: 'tabSuspended', filter: { status: 30 }, unread: true },
    { name: 'ended', label: 'tabEnded', filter: { status: 5 }, unread: false },
  ];
}

export class Queue {
  /**
   * @param {{tabs: HTMLElement, list: HTMLElement, operator: object,
   *          onOpen: (chat: object) => void, onError: (error: Error) => void}} options
   */
  constructor({ tabs, list, operator, onOpen, onError }) {
    this.tabsNode = tabs;
    this.list = list;
    this.onOpen = onOpen;
    this.onError = onError;
    this.tabs = tabsFor(operator.id);
    this.active = this.tabs[0];
    this.counts = new Map();
    this.chats = [];
    this.openChatId = null;
    this.seenKey = `opchat.console.seen.${operator.id}`;
    this.seen = readSeen(this.seenKey);
    this.timer = null;
    this.running = null;
    this.again = false;
  }

  /** Re-reads the counts and the active tab's chats. */
  async refresh() {
    // One refresh at a time; a request during one runs once more after it, so the last state
    // always wins without piling up requests.
    if (this.running) { this.again = true; return this.running; }
    this.running = this.#load().catch(this.onError).finally(() => {
      this.running = null;
      if (this.again) { this.again = false; this.refresh(); }
    });
    return this.running;
  }

  /** A refresh soon, merging bursts of events into one. */
  refreshSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), REFRESH_DELAY_MS);
  }

  stop() {
    clearTimeout(this.timer);
  }

  /** Shows tab `name`. */
  select(name) {
    this.active = this.tabs.find((tab) => tab.name === name) ?? this.tabs[0];
    this.render();
    return this.refresh();
  }

  /** Marks the open chat (highlighted, and its messages counted as seen). */
  setOpen(chatId) {
    this.openChatId = chatId;
    this.render();
  }

  /** Records that the operator has seen chat `chatId` up to message `seq`. */
  markSeen(chatId, seq) {
    if ((this.seen[chatId] ?? 0) >= seq) return;
    this.seen[chatId] = seq;
    localStorage.setItem(this.seenKey, JSON.stringify(this.seen));
    this.render();
  }

  /** The chat `step` places after (or before, when negative) the open one in the list. */
  neighbour(step) {
    if (this.chats.length === 0) return null;
    const at = this.chats.findIndex((chat) => chat.chatId === this.openChatId);
    const next = at < 0 ? (step > 0 ? 0 : this.chats.length - 1) : at + step;
    return this.chats[Math.max(0, Math.min(this.chats.length - 1, next))];
  }

  async #load() {
    const countOnly = this.tabs.filter((tab) => tab !== this.active)
      .map((tab) => op('chats', { ...tab.filter, pageSize: 1 }).then((a) => [tab, a]));
    const activeTab = this.active;
    const [active, ...others] = await Promise.all([
      op('chats', { ...activeTab.filter, pageSize: LIST_SIZE }).then((a) => [activeTab, a]),
      ...countOnly,
    ]);
    for (const [tab, answer] of [active, ...others]) this.counts.set(tab.name, answer.page.total);
    if (activeTab === this.active) this.chats = active[1].data.chats;
    this.render();
  }

  #unread(chat) {
    if (!this.active.unread || chat.chatId === this.openChatId) return 0;
    return Math.max(0, chat.messageCount - (this.seen[chat.chatId] ?? 0));
  }

  render() {
    // Re-drawing replaces the buttons; keep the keyboard focus on the same tab or chat.
    const focused = document.activeElement;
    const refocus = focused?.dataset?.chat !== undefined
      ? `[data-chat="${CSS.escape(focused.dataset.chat)}"]`
      : focused?.dataset?.tab !== undefined ? `[data-tab="${CSS.escape(focused.dataset.tab)}"]` : null;
    this.#draw();
    if (refocus && !document.activeElement?.matches?.(refocus)) {
      (this.list.querySelector(refocus) ?? this.tabsNode.querySelector(refocus))?.focus();
    }
  }

  #draw() {
    clear(this.tabsNode);
    for (const tab of this.tabs) {
      const count = this.counts.get(tab.name);
      this.tabsNode.append(el('button', {
        type: 'button', class: 'tab', 'aria-pressed': String(tab === this.active),
        'data-tab': tab.name, onclick: () => this.select(tab.name),
      }, t(tab.label), ' ', el('span', { class: 'count', text: count ?? '…' })));
    }
    clear(this.list);
    if (this.chats.length === 0) {
      this.list.append(el('li', { class: 'empty', text: t('emptyQueue') }));
      return;
    }
    for (const chat of this.chats) this.list.append(this.#item(chat));
  }

  #item(chat) {
    const unread = this.#unread(chat);
    const current = chat.chatId === this.openChatId;
    return el('li', {},
      el('button', {
        type: 'button', class: 'chat-item', 'data-chat': chat.chatId,
        'aria-current': current ? 'true' : null, onclick: () => this.onOpen(chat),
      },
      el('span', { class: 'user', text: chat.userId }),
      el('span', { class: 'when', text: chat.lastMessageTime ?? chat.updateTime }),
      unread > 0
        ? el('span', { class: 'unread' },
          el('span', { 'aria-hidden': 'true', text: String(unread) }),
          el('span', { class: 'sr-only', text: t('unread', { count: unread }) }))
        : null));
  }
}

function readSeen(key) {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}
