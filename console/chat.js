// The chat pane: the open chat's header, its actions (accept, suspend, resume, end, transfer,
// transcript), its history and the reply box. Buttons follow the chat's status; who may do
// what is the server's decision (docs/console.md "Agents and supervisors"), and its refusal is
// shown as it answers it.
import { op } from './api.js';
import { byId } from './dom.js';
import { t } from './i18n.js';
import { HistoryView } from './history.js';
import { saveAs } from './download.js';
import { pickOperator } from './transfer.js';

const WAITING = 1;
const CHATTING = 3;
const SUSPENDED = 30;

export class ChatPane {
  /** @param {{operator: object, onChanged: (chat: object) => void,
   *           onSeen: (chatId: string, seq: number) => void, showError: (e: Error) => void}} o */
  constructor({ operator, onChanged, onSeen, showError }) {
    this.operator = operator;
    this.onChanged = onChanged;
    this.onSeen = onSeen;
    this.showError = showError;
    this.chat = null;
    this.history = new HistoryView(byId('history'), byId('history-list'), byId('history-note'));
    this.#wire();
  }

  #wire() {
    const actions = {
      'action-accept': () => op('acceptChat', { chatId: this.chat.chatId, operatorId: this.operator.id }),
      'action-suspend': () => op('suspendChat', { chatId: this.chat.chatId }),
      'action-resume': () => op('resumeChat', { chatId: this.chat.chatId }),
      'action-end': () => op('endChat', { chatId: this.chat.chatId }),
      'action-transfer': async () => {
        const operatorId = await pickOperator(this.chat);
        return operatorId ? op('transferChat', { chatId: this.chat.chatId, operatorId }) : null;
      },
    };
    for (const [id, run] of Object.entries(actions)) {
      byId(id).addEventListener('click', () => this.#act(run));
    }
    byId('action-transcript').addEventListener('click', () => this.#transcript());
    byId('reply-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#send();
    });
    byId('reply').addEventListener('keydown', (event) => {
      // Enter sends; Shift+Enter is a new line; Enter while an IME composes picks a candidate.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#send();
      }
    });
  }

  /** Opens `chat` (a chat object). */
  async open(chat) {
    this.chat = chat;
    this.showError(null);
    byId('no-chat').hidden = true;
    byId('chat').hidden = false;
    this.render();
    try {
      await this.history.open(chat);
      this.onSeen(chat.chatId, chat.messageCount);
    } catch (error) {
      this.showError(error);
    }
  }

  /** Shows nothing (after sign-out). */
  close() {
    this.chat = null;
    this.history.close();
    byId('chat').hidden = true;
    byId('no-chat').hidden = false;
  }

  /** The open chat's id, or null. */
  get chatId() {
    return this.chat?.chatId ?? null;
  }

  /** A chat object newer than the one shown (from an action's answer or an event). */
  update(chat) {
    if (!this.chat || chat.chatId !== this.chat.chatId) return;
    if (chat.updateTimestamp < this.chat.updateTimestamp) return;
    this.chat = { ...this.chat, ...chat };
    this.render();
  }

  /** A message that arrived live for the open chat. */
  receive(message) {
    if (!this.chat) return;
    this.history.append(message);
    if (message.seq > this.chat.messageCount) {
      this.chat.messageCount = message.seq;
      this.render();
    }
    this.onSeen(this.chat.chatId, message.seq);
  }

  render() {
    const chat = this.chat;
    if (!chat) return;
    const isSupervisor = this.operator.role === 'supervisor';
    byId('chat-title').textContent = t('chatWith', { user: chat.userId });
    byId('chat-status').textContent = t('statusLine', {
      status: chat.status, operator: chat.operatorId ?? t('nobody'), count: chat.messageCount,
    });
    byId('action-accept').disabled = chat.statusCode !== WAITING;
    byId('action-suspend').disabled = chat.statusCode !== CHATTING;
    byId('action-resume').disabled = chat.statusCode !== SUSPENDED;
    byId('action-end').disabled = ![WAITING, CHATTING, SUSPENDED].includes(chat.statusCode);
    byId('action-transfer').hidden = !isSupervisor;
    byId('action-transfer').disabled = chat.statusCode !== CHATTING;
    const canWrite = chat.statusCode === CHATTING || chat.statusCode === SUSPENDED;
    byId('reply').disabled = !canWrite;
    byId('reply-send').disabled = !canWrite;
  }

  async #act(run) {
    this.showError(null);
    try {
      const answer = await run();
      if (answer?.data) {
        this.update(answer.data);
        this.onChanged(answer.data);
      }
    } catch (error) {
      this.showError(error);
    }
  }

  async #send() {
    const box = byId('reply');
    const text = box.value;
    if (!this.chat || text.trim() === '' || box.disabled) return;
    this.showError(null);
    byId('reply-send').disabled = true;
    // Cleared at once so the next line can be typed; given back if the server refuses it.
    box.value = '';
    try {
      const answer = await op('sendMessage',
        { chatId: this.chat.chatId, direction: 'operatorToUser', type: 'txt', msg: text });
      if (answer.chatId === this.chat?.chatId) this.receive(answer.data);
    } catch (error) {
      if (box.value === '') box.value = text;
      this.showError(error);
    } finally {
      this.render();
      box.focus();
    }
  }

  async #transcript() {
    if (!this.chat) return;
    this.showError(null);
    try {
      const format = byId('transcript-format').value;
      const { data } = await op('chatTranscript', { chatId: this.chat.chatId, format });
      saveAs(data.content, data.fileName, data.contentType);
    } catch (error) {
      this.showError(error);
    }
  }
}
