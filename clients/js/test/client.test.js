// The JavaScript client against a real `opchat serve` (temporary SQLite database, free port).
//   OPCHAT_BINARY=build/opchat node --test clients/js/test/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpchatClient, OpchatError, signQuery } from '../index.js';
import { startRecordProxy } from '../../../tests/openapi/start-record-proxy.mjs';

const BINARY = process.env.OPCHAT_BINARY ?? 'build/opchat';
let dir, server, proxy, url, credential;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opchat-js-'));
  const db = `sqlite:${join(dir, 'opchat.db')}`;
  credential = JSON.parse(execFileSync(BINARY, ['client', 'add', '--db', db, '--name', 'js', '--channel', 'shop'], { encoding: 'utf8' }));
  const port = await freePort();
  server = spawn(BINARY, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('opchat serve did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  // With OPCHAT_RECORD_ANSWERS set, through a proxy that records the answers for validate-answers.
  proxy = await startRecordProxy(port);
  url = `http://127.0.0.1:${proxy.port}`;
});

after(() => {
  proxy?.stop();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const client = (extra = {}) => new OpchatClient(url, { client: credential.client, secret: credential.secret, channel: 'shop', ...extra });

test('signatures match the worked examples of docs/api.md', () => {
  const params = { apiVersion: '01', client: '70374ddd0f3641368d419b2d93127b8f', channel: 'eba920d452d34adb8f2badb08b9e69bb', version: '2.0' };
  const body = '{"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":1,"pageSize":20}';
  assert.equal(signQuery(params, body, 'test-secret'), '8fb9c9ef3ca13f0301b39582122fcfe7');
  assert.equal(signQuery({ ...params, signMethod: 'hmac-sha256' }, body, 'test-secret', { method: 'hmac-sha256', path: '/op/v2/operatorToUserChatMessages' }),
    '13689368c99f15033615b4be60b989e9cfa9bcdffbd1ede7cea3aa72e17542f8');
});

async function lifecycle(op) {
  const chat = await op.createChat({ userId: 'u0001c0ffee', ext: { source: 'js' } });
  assert.deepEqual([chat.statusCode, chat.status, chat.ext], [1, '等待接待', { source: 'js' }]);
  const { chatId } = chat;
  assert.equal((await op.acceptChat(chatId, 'op-7')).operatorId, 'op-7');
  const sent = await op.sendMessage(chatId, { direction: 'operatorToUser', type: 'txt', msg: '您好，请问有什么可以帮您？', userMessageId: 'js-1' });
  assert.deepEqual([sent.data.form, sent.data.to, sent.duplicate], ['op-7', 'u0001c0ffee', false]);
  const again = await op.sendMessage(chatId, { direction: 'operatorToUser', type: 'txt', msg: '您好，请问有什么可以帮您？', userMessageId: 'js-1' });
  assert.equal(again.duplicate, true);
  await op.sendMessage(chatId, { direction: 'userToOperator', type: 'loc', addr: '上海 A+B', lat: 31.23, lng: '121.47' });
  assert.equal((await op.suspendChat(chatId)).statusCode, 30);
  assert.equal((await op.resumeChat(chatId)).statusCode, 3);
  const moved = await op.transferChat(chatId, 'op-8');
  assert.deepEqual([moved.statusCode, moved.operatorId], [3, 'op-8']);
  assert.equal((await op.transferChat(chatId, 'op-7')).operatorId, 'op-7');
  const page = await op.history(chatId, { pageNum: 1, pageSize: 1 });
  assert.deepEqual([page.page.total, page.page.next, page.data.msg[0].length], [2, true, '0']);
  const rest = await op.history(chatId, { afterSeq: 1 });
  assert.deepEqual(rest.data.msg.map((m) => m.addr), ['上海 A+B']);
  assert.equal((await op.chatInfo(chatId)).messageCount, 2);
  const listed = await op.chats({ userId: 'u0001c0ffee', status: 3 });
  assert.ok(listed.data.chats.some((c) => c.chatId === chatId));
  const hits = await op.searchMessages('请问', { chatId });
  assert.equal(hits.data.hits[0].snippet, '您好，【请问】有什么可以帮您？');
  const transcript = await op.chatTranscript(chatId, { format: 'json' });
  assert.equal(JSON.parse(transcript.content).count, 2);
  assert.equal((await op.endChat(chatId)).statusCode, 5);
  assert.equal((await op.deleteChat(chatId)).statusCode, 6);
}

test('every endpoint with md5', () => lifecycle(client()));
test('every endpoint with hmac-sha256', () => lifecycle(client({ signMethod: 'hmac-sha256' })));

test('errors carry code and message', async () => {
  const op = client();
  const { chatId } = await op.createChat({ userId: 'u0001c0ffee' });
  await assert.rejects(op.resumeChat(chatId), (e) => e instanceof OpchatError && e.code === 409 && e.apiMessage.startsWith('会话状态不允许该操作'));
  await assert.rejects(op.transferChat(chatId, 'op-8'), (e) => e instanceof OpchatError && e.code === 409);
  await assert.rejects(op.chatInfo('u0001ffffffffffffffffffffffffffffffff'), { code: 404, apiMessage: '会话不存在' });
  await assert.rejects(op.call('createChat', { userId: 'u1', pageNum: 1 }), (e) => e.code === 400 && e.apiMessage.includes('pageNum'));
  await assert.rejects(client({ secret: 'wrong' }).chats(), { code: 401, apiMessage: '签名无效' });
});

test('no server is code 0', async () => {
  const op = new OpchatClient(`http://127.0.0.1:${await freePort()}`, { client: 'c', secret: 's', channel: 'x', timeoutMs: 2000 });
  await assert.rejects(op.chats(), { code: 0 });
});
