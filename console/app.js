// Wiring: sign-in and sign-out, the screens, and the live events that feed the queue and the
// open chat. Each part lives in its own module; this one only connects them.
import * as api from './api.js';
import { byId } from './dom.js';
import { t, language, setLanguage, translatePage } from './i18n.js';
import { LiveEvents } from './live.js';
import { Queue } from './queue.js';
import { ChatPane } from './chat.js';
import { SearchPanel } from './search.js';
import { installShortcuts } from './keyboard.js';

/** Everything that exists while an operator is signed in; null on the sign-in screen. */
let session = null;

/** The words for a refused call: the server's message, or ours when none came. */
function describe(error) {
  if (error instanceof api.ApiError) {
    if (error.status === 0) return t('networkError');
    const wait = error.status === 429 && error.retryAfter ? t('retryAfter', { seconds: error.retryAfter }) : '';
    return `${error.message || error.status}${wait}`;
  }
  return String(error?.message ?? error);
}

function showChatError(error) {
  const node = byId('chat-error');
  // A 401 has already sent the page back to the sign-in screen, with its own message.
  if (error instanceof api.ApiError && error.status === 401) return;
  node.textContent = error ? describe(error) : '';
}

function showLogin(message = '') {
  byId('app-screen').hidden = true;
  byId('login-screen').hidden = false;
  byId('login-error').textContent = message;
  byId('login-password').value = '';
  const first = byId('login-channel').value ? byId('login-password') : byId('login-channel');
  first.focus();
}

/** Stops what a signed-in page runs and forgets what it showed (another operator may sign in). */
function teardown() {
  if (!session) return;
  session.live?.close();
  session.queue.stop();
  session.chat.close();
  session = null;
  byId('search-panel').hidden = true;
  byId('search-input').value = '';
  byId('chat-error').textContent = '';
}

function endSession(message) {
  teardown();
  showLogin(message);
}

async function startSession(operator) {
  teardown();
  byId('login-screen').hidden = true;
  byId('app-screen').hidden = false;
  byId('who').textContent =
    `${operator.name} · ${operator.role === 'supervisor' ? t('roleSupervisor') : t('roleAgent')}`;
  const queue = new Queue({
    tabs: byId('queue-tabs'), list: byId('queue-list'), operator,
    onOpen: (chat) => openChat(chat), onError: showChatError,
  });
  const chat = new ChatPane({
    operator,
    onChanged: () => queue.refreshSoon(),
    onSeen: (chatId, seq) => queue.markSeen(chatId, seq),
    showError: showChatError,
  });
  session = { operator, queue, chat, live: null };
  const current = session;
  // The cursor comes first: anything that changes after it is delivered live, and anything
  // before it is in what the queue and history read next. Overlaps are dropped by seq.
  let cursor = null;
  try {
    cursor = (await api.op('events', {})).data.next;
  } catch (error) {
    if (session !== current) return;
    showChatError(error);
  }
  if (session !== current) return;
  session.live = new LiveEvents({
    after: cursor,
    onEvent: (event) => onLiveEvent(current, event),
    onState: (connected) => {
      byId('live-state').textContent = connected ? t('liveOn') : t('liveOff');
      byId('live-state').dataset.connected = String(connected);
      // A refused WebSocket tells the page nothing of why; if the session has ended (e.g.
      // `opchat operator disable`), say so now rather than at the next click.
      if (!connected) {
        api.me().catch((error) => {
          if (error.status === 401 && session === current) endSession(t('sessionEnded'));
        });
      }
    },
    onExpired: () => {
      // Events were dropped by retention while we were away: re-read what is shown.
      queue.refresh();
      if (chat.chat) chat.open(chat.chat);
    },
  });
  queue.render();
  await queue.refresh();
}

function onLiveEvent(current, event) {
  if (session !== current) return;
  const { queue, chat } = current;
  if (event.type === 'message.created') {
    if (event.chatId === chat.chatId) chat.receive(event.data.message);
  } else if (event.type.startsWith('chat.')) {
    chat.update(event.data);
  }
  queue.refreshSoon();
}

async function openChat(chatOrId) {
  if (!session) return;
  let chatObject = chatOrId;
  if (typeof chatOrId === 'string') {
    try {
      chatObject = (await api.op('chatInfo', { chatId: chatOrId })).data;
    } catch (error) {
      showChatError(error);
      return;
    }
  }
  session.queue.setOpen(chatObject.chatId);
  await session.chat.open(chatObject);
}

function wireLogin() {
  byId('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = byId('login-submit');
    submit.disabled = true;
    byId('login-error').textContent = t('signingIn');
    try {
      const { operator } = await api.login(byId('login-channel').value.trim(),
        byId('login-name').value.trim(), byId('login-password').value);
      byId('login-password').value = '';
      await startSession(operator);
    } catch (error) {
      byId('login-error').textContent = describe(error);
    } finally {
      submit.disabled = false;
    }
  });
  byId('logout').addEventListener('click', async () => {
    try {
      await api.logout();
      endSession(t('signedOut'));
    } catch (error) {
      // Already ended on the server (401): the sign-in screen is what the operator needs.
      endSession(error.status === 401 ? t('sessionEnded') : describe(error));
    }
  });
}

function wireChrome() {
  for (const button of document.querySelectorAll('.lang-switch')) {
    button.addEventListener('click', () => {
      setLanguage(language() === 'zh' ? 'en' : 'zh');
      if (session) {
        session.queue.render();
        session.chat.render();
        session.chat.history.redraw();
        const state = byId('live-state');
        if (state.dataset.connected) state.textContent = t(state.dataset.connected === 'true' ? 'liveOn' : 'liveOff');
        byId('who').textContent = `${session.operator.name} · ${session.operator.role === 'supervisor' ? t('roleSupervisor') : t('roleAgent')}`;
      }
    });
  }
  const search = new SearchPanel({ onOpenChat: (chatId) => openChat(chatId), showError: showChatError });
  installShortcuts({
    active: () => session !== null,
    nextChat: (step) => {
      const next = session.queue.neighbour(step);
      if (!next) return;
      // Focus moves now, not when the history has loaded: by then the operator may have moved on
      // (to the search box, say), and focus must not jump back under their typing.
      openChat(next);
      document.querySelector(`[data-chat="${CSS.escape(next.chatId)}"]`)?.focus();
    },
    focusSearch: () => byId('search-input').focus(),
    closePanels: () => {
      if (!search.isOpen) return false;
      search.close();
      return true;
    },
  });
}

async function main() {
  translatePage(document);
  api.whenSessionEnds(() => {
    if (session) endSession(t('sessionEnded'));
  });
  wireLogin();
  wireChrome();
  try {
    const { operator } = await api.me();
    await startSession(operator);
  } catch (error) {
    showLogin(error instanceof api.ApiError && error.status === 401 ? '' : describe(error));
  }
}

main();
