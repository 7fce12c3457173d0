// The transfer dialog (supervisors): pick another operator of the channel from
// GET /console/api/operators and hand the open chat to them with transferChat.
import { operators } from './api.js';
import { el, byId, clear } from './dom.js';

/** Asks for the new owner of `chat`; resolves to an operator id, or null when cancelled. */
export async function pickOperator(chat) {
  const dialog = byId('transfer-dialog');
  const select = byId('transfer-operator');
  const list = (await operators()).filter((o) => o.enabled !== false && o.id !== chat.operatorId);
  clear(select);
  for (const o of list) {
    select.append(el('option', { value: o.id, text: `${o.name} (${o.login}, ${o.role})` }));
  }
  byId('transfer-confirm').disabled = list.length === 0;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm' && select.value ? select.value : null);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    select.focus();
  });
}
