// Message search (searchMessages) and its results panel. Hits show the server's snippet with
// the keyword highlighted; the highlight is built from text nodes and <mark> (dom.js).
import { op } from './api.js';
import { el, byId, clear, highlighted, asciiLower } from './dom.js';
import { t } from './i18n.js';

/** The snippet without the server's 【】 around each match (we mark matches ourselves). Only
 * brackets around the keyword are taken off, so a user's own 【 stays. */
function plainSnippet(snippet, keyword) {
  const needle = asciiLower(keyword);
  return snippet.replace(/【([^【】]*)】/g, (whole, inner) => (asciiLower(inner) === needle ? inner : whole));
}

export class SearchPanel {
  /** @param {{onOpenChat: (chatId: string) => void, showError: (e: Error) => void}} options */
  constructor({ onOpenChat, showError }) {
    this.onOpenChat = onOpenChat;
    this.showError = showError;
    this.panel = byId('search-panel');
    byId('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.run(byId('search-input').value);
    });
    byId('search-close').addEventListener('click', () => this.close());
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  close() {
    this.panel.hidden = true;
    byId('search-input').focus();
  }

  async run(input) {
    const keyword = input.trim();
    if (!keyword) return;
    this.showError(null);
    try {
      const answer = await op('searchMessages', { keyword, pageSize: 50 });
      this.#show(answer.data.keyword, answer.data.hits, answer.page);
    } catch (error) {
      this.showError(error);
    }
  }

  #show(keyword, hits, page) {
    const list = byId('search-hits');
    clear(list);
    byId('search-summary').textContent = hits.length === 0
      ? t('noHits')
      : t('hitCount', { count: page.totalExact === false ? `${page.total}+` : page.total });
    for (const hit of hits) {
      const text = plainSnippet(hit.snippet ?? hit.message?.msg ?? '', keyword);
      list.append(el('li', {},
        el('button', { type: 'button', class: 'hit', onclick: () => this.onOpenChat(hit.chatId) },
          el('span', { class: 'hit-meta', text: `${hit.chatId} · ${hit.message?.createTime ?? ''}` }),
          el('span', { class: 'hit-text' }, highlighted(text, keyword)))));
    }
    this.panel.hidden = false;
  }
}
