// Type-checked only (tests/openapi/check-js-types.sh); never run.
import { OpchatClient, OpchatError, signQuery, verifyWebhook, LiveConnection } from '../index.js';

async function use(): Promise<void> {
  const op = new OpchatClient('http://127.0.0.1:8080', { client: 'c', secret: 's', channel: 'web' });
  const chat = await op.createChat({ userId: 'u1' });
  const id: string = chat.chatId;
  await op.acceptChat(id, 'op-7'); await op.suspendChat(id); await op.resumeChat(id);
  await op.transferChat(id, 'op-8'); await op.endChat(id); await op.deleteChat(id);
  const sent = await op.sendMessage(id, { direction: 'operatorToUser', type: 'txt', msg: 'hi' });
  const dup: boolean = sent.duplicate;
  const page = await op.history(id, { pageNum: 1 });
  const form: string = page.data.msg[0].form;
  const len: string = page.data.msg[0].length;
  const total: number = (await op.chats({ status: 3 })).page.total;
  const exact: boolean = (await op.searchMessages('hi')).page.totalExact;
  const content: string = (await op.chatTranscript(id, { format: 'csv' })).content;
  const info = await op.chatInfo(id);
  const { events, next } = await op.events({ after: '0' });
  const path: string = op.livePath({ after: next });
  const live: LiveConnection = op.live({ after: next, onEvent: (e) => e.type });
  const stopped: OpchatError | null = await live.done;
  const sig: string = signQuery({ a: '1' }, '{}', 's');
  const body = verifyWebhook('whsec_x', {}, '{}');
  const gone: string = (await op.deleteChat(id)).status;
  const snippet: string = (await op.searchMessages('hi')).data.hits[0].snippet;
  for (const e of events) {
    // The event's type narrows its data.
    if (e.type === 'message.created') void (e.data.message?.form satisfies string | undefined);
    if (e.type === 'chat.status_changed') void (e.data.from satisfies number);
    // @ts-expect-error only chat.status_changed has `from`
    if (e.type === 'chat.created') void e.data.from;
  }
  void [dup, form, len, total, exact, content, info, events, path, stopped, sig, body, gone, snippet];
  // @ts-expect-error a number is not a chatId
  await op.chatInfo(42);
  // @ts-expect-error the wire name is `form`
  void page.data.msg[0].from;
  // @ts-expect-error length is a string on the wire
  const n: number = page.data.msg[0].length;
  void n;
}
void use;
