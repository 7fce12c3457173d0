// Browser tests of the operator console (docs/console.md "The page"): the real opchat binary,
// the system's Chromium, and an operator's clicks. Run: node --test tests/console/
//
// Env: OPCHAT_BINARY (default build/opchat), OPCHAT_TEST_PG_URL (PostgreSQL instead of a temp
// SQLite), OPCHAT_CONSOLE_DIR (passed as --console-dir), OPCHAT_SCREENSHOT_DIR (default a temp dir).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { OpchatClient } from '../../clients/js/index.js';
import { OpchatServer, freePort } from './server.mjs';
import { launchBrowser, newPage, signIn, openChat, tabCount } from './browser.mjs';

const server = new OpchatServer();
let browser;
let api;              // the signed client: the users' side, and checks of what the server holds
const ops = {};       // operators by role in the tests
let userCounter = 0;

/** A new waiting chat of a new user. */
async function newChat() {
  userCounter += 1;
  return api.createChat({ userId: `u-console-${userCounter}` });
}

/** The user of `chatId` says `text`; resolves to the stored message. */
async function userSays(chatId, text) {
  return (await api.sendMessage(chatId, { direction: 'userToOperator', type: 'txt', msg: text })).data;
}

/** axe's serious and critical findings on the page as it is now, as readable lines. */
async function seriousA11yProblems(page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

before(async () => {
  const client = server.addClient();
  // Operators are added before the server starts: each is an Argon2 hash (~0.1 s) either way.
  ops.alice = server.addOperator('alice');
  ops.bob = server.addOperator('bob');
  ops.sup = server.addOperator('sup', { role: 'supervisor' });
  ops.dora = server.addOperator('dora');
  ops.locked = server.addOperator('locked');
  await server.start();
  api = new OpchatClient(server.base, { ...client, channel: server.channel });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server.stop();
});

test('signs in, survives a reload, switches language', { timeout: 30000 }, async () => {
  const { context, page, problems } = await newPage(browser);
  try {
    await page.goto(`${server.base}/console/`);
    await page.locator('#login-form').waitFor();
    assert.equal(await page.locator('#login-submit').textContent(), '登录');
    await signIn(page, server, ops.alice);
    assert.match(await page.locator('#who').textContent(), /Alice/);
    await page.reload();
    await page.locator('#app-screen').waitFor({ state: 'visible' });
    await page.click('#app-screen .lang-switch');
    assert.equal(await page.locator('#logout').textContent(), 'Sign out');
    await page.click('#app-screen .lang-switch');
    assert.equal(await page.locator('#logout').textContent(), '退出');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // A browser in another language gets English.
  const english = await browser.newContext({ locale: 'en-US' });
  try {
    const page = await english.newPage();
    await page.goto(`${server.base}/console/`);
    await page.locator('#login-form').waitFor();
    assert.equal(await page.locator('#login-submit').textContent(), 'Sign in');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
  } finally {
    await english.close();
  }
});

test('a wrong password shows the server\'s refusal', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signInExpectingRefusal(page, ops.bob.login, 'not-the-password', 401);
    await page.locator('#login-error', { hasText: '登录名或密码错误' }).waitFor();
    assert.ok(await page.locator('#login-screen').isVisible());
  } finally {
    await context.close();
  }
});

/** Submits the sign-in form and waits for the answer of status `status`; resolves to its JSON. */
async function signInExpectingRefusal(page, login, password, status) {
  if (!(await page.locator('#login-form').isVisible())) {
    await page.goto(`${server.base}/console/`);
    await page.locator('#login-form').waitFor();
  }
  await page.fill('#login-channel', server.channel);
  await page.fill('#login-name', login);
  await page.fill('#login-password', password);
  const answered = page.waitForResponse((r) => r.url().endsWith('/console/api/login'));
  await page.click('#login-submit');
  const response = await answered;
  assert.equal(response.status(), status);
  const body = await response.json();
  await page.locator('#login-error', { hasText: body.message }).waitFor();
  return body;
}

test('repeated failures are throttled and the 429 is shown', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    for (let i = 0; i < 5; i += 1) await signInExpectingRefusal(page, ops.locked.login, 'wrong-password', 401);
    const refused = await signInExpectingRefusal(page, ops.locked.login, ops.locked.password, 429);
    assert.ok(refused.message.length > 0);
    assert.ok(await page.locator('#login-screen').isVisible());
  } finally {
    await context.close();
  }
});

test('signs out', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server, ops.bob);
    const loggedOut = page.waitForResponse((r) => r.url().endsWith('/console/api/logout'));
    await page.click('#logout');
    assert.equal((await loggedOut).status(), 200);
    await page.locator('#login-screen').waitFor({ state: 'visible' });
    await page.reload();
    await page.locator('#login-screen').waitFor({ state: 'visible' });
    assert.ok(await page.locator('#app-screen').isHidden());
  } finally {
    await context.close();
  }
});

test('an operator disabled while the page is open is sent back to sign-in', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server, ops.dora);
    server.cli(['operator', 'disable', ops.dora.id]);
    // The next action (or the live connection noticing first) ends on the sign-in screen.
    await page.click('[data-tab="mine"]').catch(() => {});
    await page.locator('#login-screen').waitFor({ state: 'visible' });
    await page.locator('#login-error', { hasText: '会话已结束' }).waitFor();
  } finally {
    await context.close();
  }
});

test('a user message appears in the open chat within 1 s and the queue count changes', { timeout: 30000 }, async () => {
  const { context, page, problems } = await newPage(browser);
  try {
    const chat = await newChat();
    await userSays(chat.chatId, '你好');
    await signIn(page, server, ops.alice);
    await openChat(page, 'waiting', chat.chatId);
    await page.locator('#history li').first().waitFor();
    const waitingBefore = await tabCount(page, 'waiting');
    const started = Date.now();
    const said = await userSays(chat.chatId, '我的订单还没发货');
    await page.locator(`#history li[data-id="${said.userMessageId}"]`).waitFor({ timeout: 1000 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed <= 1000, `shown after ${elapsed} ms`);
    const other = await newChat();
    await page.waitForFunction(([n]) =>
      Number(document.querySelector('[data-tab="waiting"] .count')?.textContent) === n, [waitingBefore + 1],
    { timeout: 1000 });
    // A message in a chat that is not open marks it unread in the queue.
    await userSays(other.chatId, '还有一个问题');
    await page.locator(`[data-chat="${other.chatId}"] .unread`, { hasText: '1' }).waitFor({ timeout: 1000 });
    assert.equal(await page.locator(`[data-chat="${chat.chatId}"] .unread`).count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('messages sent while the browser is offline show exactly once after it is back', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    const sockets = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    const chat = await newChat();
    await userSays(chat.chatId, 'before');
    await signIn(page, server, ops.alice);
    await openChat(page, 'waiting', chat.chatId);
    await page.locator('#history li').first().waitFor();
    await page.locator('#live-state[data-connected="true"]').waitFor();
    const socketsBefore = sockets.length;
    await context.setOffline(true);
    await page.locator('#live-state[data-connected="false"]').waitFor();
    const sent = [];
    for (const text of ['one', 'two', 'three']) sent.push(await userSays(chat.chatId, `offline ${text}`));
    await new Promise((r) => setTimeout(r, 300));
    await context.setOffline(false);
    for (const message of sent) {
      await page.locator(`#history li[data-id="${message.userMessageId}"]`).waitFor({ timeout: 10000 });
    }
    await page.locator('#live-state[data-connected="true"]').waitFor({ timeout: 10000 });
    // They came through a new connection that resumed from the cursor, not the old socket.
    const resumed = sockets.slice(socketsBefore);
    assert.ok(resumed.length >= 1 && resumed.every((url) => /[?&]after=\d+/.test(url)), resumed.join(' '));
    // Give a duplicate every chance to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    const ids = await page.$$eval('#history li', (items) => items.map((li) => li.dataset.id));
    assert.equal(ids.length, 4);
    assert.equal(new Set(ids).size, 4);
    for (const message of sent) assert.ok(ids.includes(message.userMessageId));
  } finally {
    await context.close();
  }
});

test('accept, reply and end a chat', { timeout: 30000 }, async () => {
  const { context, page, problems } = await newPage(browser);
  try {
    const chat = await newChat();
    await userSays(chat.chatId, '在吗？');
    await signIn(page, server, ops.alice);
    await openChat(page, 'waiting', chat.chatId);
    await page.click('#action-accept');
    await page.locator('#chat-status', { hasText: ops.alice.id }).waitFor();
    await page.fill('#reply', '您好，');
    await page.press('#reply', 'Shift+Enter');
    await page.type('#reply', '请问有什么可以帮您？');
    await page.press('#reply', 'Enter');
    await page.locator('#history li.from-operator', { hasText: '请问有什么可以帮您？' }).waitFor();
    await page.waitForFunction(() => document.getElementById('reply').value === '');
    await page.click('#action-end');
    await page.locator('#chat-status', { hasText: '已结束' }).waitFor();
    const info = await api.chatInfo(chat.chatId);
    assert.equal(info.statusCode, 5);
    assert.equal(info.operatorId, ops.alice.id);
    const history = await api.history(chat.chatId, { pageNum: 1, pageSize: 10 });
    assert.deepEqual(history.data.msg.map((m) => [m.form, m.msg]),
      [[chat.userId, '在吗？'], [ops.alice.id, '您好，\n请问有什么可以帮您？']]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an agent cannot write in another agent\'s chat, and sees why', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    const chat = await newChat();
    await api.acceptChat(chat.chatId, ops.alice.id);
    await signIn(page, server, ops.bob);
    await openChat(page, 'chatting', chat.chatId);
    await page.fill('#reply', '我来插一句');
    await page.press('#reply', 'Enter');
    await page.locator('#chat-error', { hasText: '只能在自己接待的会话中操作' }).waitFor();
    assert.equal(await page.inputValue('#reply'), '我来插一句');
    const history = await api.history(chat.chatId, { pageNum: 1, pageSize: 10 });
    assert.equal(history.data.msg.length, 0);
  } finally {
    await context.close();
  }
});

test('a supervisor transfers a chat', { timeout: 30000 }, async () => {
  const { context, page, problems } = await newPage(browser);
  try {
    const chat = await newChat();
    await api.acceptChat(chat.chatId, ops.alice.id);
    await signIn(page, server, ops.sup);
    await openChat(page, 'chatting', chat.chatId);
    await page.click('#action-transfer');
    await page.locator('#transfer-dialog[open]').waitFor();
    await page.selectOption('#transfer-operator', ops.bob.id);
    await page.click('#transfer-confirm');
    await page.locator('#chat-status', { hasText: ops.bob.id }).waitFor();
    assert.equal((await api.chatInfo(chat.chatId)).operatorId, ops.bob.id);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('keyboard shortcuts; suspend, resume; a transcript downloads', { timeout: 30000 }, async () => {
  const { context, page, problems } = await newPage(browser);
  try {
    const first = await newChat();
    await userSays(first.chatId, 'first chat');
    const second = await newChat();
    await userSays(second.chatId, 'second chat');
    await signIn(page, server, ops.alice);
    await page.click('[data-tab="waiting"]');
    await page.locator(`[data-chat="${first.chatId}"]`).waitFor();
    const order = await page.$$eval('#queue-list [data-chat]', (items) => items.map((b) => b.dataset.chat));
    await page.keyboard.press('Alt+ArrowDown');
    await page.locator(`[data-chat="${order[0]}"][aria-current="true"]`).waitFor();
    await page.keyboard.press('Alt+ArrowDown');
    await page.locator(`[data-chat="${order[1]}"][aria-current="true"]`).waitFor();
    await page.keyboard.press('Alt+ArrowUp');
    await page.locator(`[data-chat="${order[0]}"][aria-current="true"]`).waitFor();
    // `/` jumps to the search box; Esc closes the results.
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input');
    await page.keyboard.type('second');
    await page.keyboard.press('Enter');
    await page.locator('#search-panel').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.locator('#search-panel').waitFor({ state: 'hidden' });

    await openChat(page, 'waiting', first.chatId);
    await page.click('#action-accept');
    await page.locator('#chat-status', { hasText: '聊天中' }).waitFor();
    await page.click('#action-suspend');
    await page.locator('#chat-status', { hasText: '挂起' }).waitFor();
    await page.click('#action-resume');
    await page.locator('#chat-status', { hasText: '聊天中' }).waitFor();
    assert.equal((await api.chatInfo(first.chatId)).statusCode, 3);

    await page.selectOption('#transcript-format', 'csv');
    const downloading = page.waitForEvent('download');
    await page.click('#action-transcript');
    const download = await downloading;
    assert.equal(download.suggestedFilename(), `chat-${first.chatId}.csv`);
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\ufeff序号'), csv.slice(0, 20));
    assert.match(csv, /first chat/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a 500-message chat scrolled to the top shows all 500 once, in order', { timeout: 60000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    const chat = await newChat();
    // Each message's text is its position, checked against `seq` below.
    for (let n = 1; n <= 500; n += 1) {
      await api.sendMessage(chat.chatId, { direction: 'userToOperator', type: 'txt', msg: `m-${n}` });
    }
    await signIn(page, server, ops.alice);
    await openChat(page, 'waiting', chat.chatId);
    await page.locator('#history li').first().waitFor();
    // The message at the top stays where the reader sees it while older ones load above it.
    const anchor = await page.$eval('#history-list', (h) => h.firstElementChild.dataset.seq);
    const topBefore = await page.$eval('#history', (h) => { h.scrollTop = 0; return h.querySelector('li').getBoundingClientRect().top; });
    await page.waitForFunction((seq) => document.querySelector('#history-list').firstElementChild.dataset.seq !== seq, anchor);
    const topAfter = await page.$eval(`#history li[data-seq="${anchor}"]`, (li) => li.getBoundingClientRect().top);
    assert.ok(Math.abs(topAfter - topBefore) < 2, `anchor moved from ${topBefore} to ${topAfter}`);
    for (let round = 0; round < 30; round += 1) {
      const count = await page.$$eval('#history li', (items) => items.length);
      if (count >= 500) break;
      await page.$eval('#history', (h) => { h.scrollTop = 0; });
      await page.waitForFunction((n) => document.querySelectorAll('#history li').length > n, count);
    }
    const shown = await page.$$eval('#history li', (items) =>
      items.map((li) => [Number(li.dataset.seq), li.querySelector('.text')?.textContent]));
    assert.equal(shown.length, 500);
    shown.forEach(([seq, text], i) => {
      assert.equal(seq, i + 1);
      assert.equal(text, `m-${i + 1}`);
    });
    await page.locator('#history-note', { hasText: '已加载全部消息' }).waitFor();
    // Switching the language draws the messages again, once each, where they were.
    const scrolled = await page.$eval('#history', (h) => h.scrollTop);
    await page.click('#app-screen .lang-switch');
    await page.locator('#history-note', { hasText: 'All messages loaded' }).waitFor();
    assert.equal(await page.locator('#history li .sender', { hasText: 'User' }).count(), 500);
    assert.equal(await page.$eval('#history', (h) => h.scrollTop), scrolled);
  } finally {
    await context.close();
  }
});

test('markup in messages is shown as text and never runs', { timeout: 30000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    let dialogs = 0;
    page.on('dialog', (dialog) => { dialogs += 1; dialog.dismiss(); });
    const chat = await newChat();
    const payloads = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>'];
    const said = [];
    for (const text of payloads) said.push(await userSays(chat.chatId, text));
    await signIn(page, server, ops.alice);
    await openChat(page, 'waiting', chat.chatId);
    for (const [i, message] of said.entries()) {
      const text = page.locator(`#history li[data-id="${message.userMessageId}"] .text`);
      assert.equal(await text.textContent(), payloads[i]);
    }
    // Live delivery draws the same way.
    const live = await userSays(chat.chatId, '<b onmouseover=alert(2)>hover</b>');
    assert.equal(await page.locator(`#history li[data-id="${live.userMessageId}"] .text`).textContent(),
      '<b onmouseover=alert(2)>hover</b>');
    // Search hits are highlighted with <mark> around text, not parsed.
    await page.fill('#search-input', 'onerror');
    await page.press('#search-input', 'Enter');
    const hit = page.locator('#search-hits .hit-text').first();
    await hit.waitFor();
    assert.equal(await hit.textContent(), '<img src=x onerror=alert(1)>');
    assert.equal(await hit.locator('mark').textContent(), 'onerror');
    assert.equal(await page.locator('#history img, #search-hits img, #history script, #history b').count(), 0);
    await page.waitForTimeout(200);
    assert.equal(dialogs, 0);
  } finally {
    await context.close();
  }
});

test('a form posted from another site cannot end a chat', { timeout: 30000 }, async () => {
  const chat = await newChat();
  await api.acceptChat(chat.chatId, ops.sup.id);
  const evilPort = await freePort();
  // A page of another site (localhost is not 127.0.0.1's site) that posts a JSON-looking body.
  const evil = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><form id="f" method="POST" enctype="text/plain"
      action="${server.base}/op/v2/endChat"><input type="hidden" name='{"chatId":"${chat.chatId}","x":"'
      value='"}'></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise((r) => evil.listen(evilPort, '127.0.0.1', r));
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, server, ops.sup);
    // A form can only send text/plain, which is refused before the session is looked at (415);
    // a JSON write with the session's cookie but no token is refused by the CSRF check.
    const withoutToken = await page.evaluate(async (chatId) => {
      const answer = await fetch('/op/v2/endChat', { method: 'POST',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ chatId }) });
      return [answer.status, (await answer.json()).message];
    }, chat.chatId);
    assert.equal(withoutToken[0], 403);
    assert.match(withoutToken[1], /CSRF/);
    const posted = page.waitForResponse((r) => r.url().startsWith(`${server.base}/op/v2/endChat`));
    await page.goto(`http://localhost:${evilPort}/`);
    const response = await posted;
    assert.notEqual(response.status(), 200);
    console.log(`# the cross-site post was answered ${response.status()}: ${(await response.text()).slice(0, 120)}`);
    assert.equal((await api.chatInfo(chat.chatId)).statusCode, 3);
  } finally {
    await context.close();
    evil.close();
  }
});

test('no serious accessibility problem on sign-in, queue and chat; screenshots', { timeout: 45000 }, async () => {
  const { context, page, problems } = await newPage(browser);
  try {
    await page.goto(`${server.base}/console/`);
    await page.locator('#login-form').waitFor();
    assert.deepEqual(await seriousA11yProblems(page), [], 'sign-in screen');

    const chat = await showcaseChat();
    await signIn(page, server, ops.sup);
    await page.click('[data-tab="mine"]');
    await page.locator(`[data-chat="${chat.chatId}"]`).waitFor();
    assert.deepEqual(await seriousA11yProblems(page), [], 'queue screen');
    const shots = process.env.OPCHAT_SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'opchat-shots-'));
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'console-queue.png') });

    // Tall enough for the whole showcase chat in the picture.
    await page.setViewportSize({ width: 1280, height: 1100 });
    await openChat(page, 'mine', chat.chatId);
    await page.locator('#history .order-card').waitFor();
    await page.fill('#search-input', '发货');
    await page.press('#search-input', 'Enter');
    await page.locator('#search-hits mark').first().waitFor();
    assert.deepEqual(await seriousA11yProblems(page), [], 'chat screen');
    await page.screenshot({ path: join(shots, 'console-chat.png') });
    // Nothing refused by the CSP (Chromium reports refusals as console errors), no script error.
    assert.deepEqual(problems, []);
    console.log(`# screenshots in ${shots}`);
  } finally {
    await context.close();
  }
});

/** A chat with every kind of message, answered by the supervisor. */
async function showcaseChat() {
  const chat = await api.createChat({ userId: 'u0001fd9fb3524e52470899cba2d5ee84a801' });
  const user = (m) => api.sendMessage(chat.chatId, { direction: 'userToOperator', ...m });
  const operator = (m) => api.sendMessage(chat.chatId, { direction: 'operatorToUser', ...m });
  await user({ type: 'txt', msg: '你好，我上周买的黑胡椒牛排还没有发货' });
  await api.acceptChat(chat.chatId, ops.sup.id);
  await user({ type: 'txt', msg: '订单号 20160219184300123' });
  await user({ type: 'img', url: 'http://media.example.com/demo/order-screenshot.jpg', filename: 'order-screenshot.jpg', file_length: 48213 });
  await user({ type: 'audio', url: 'http://media.example.com/demo/voice-1.amr', filename: 'voice-1.amr', length: 6 });
  await user({ type: 'loc', addr: '上海市浦东新区世纪大道100号', lat: 31.2304, lng: 121.4737 });
  await operator({ type: 'video', url: 'http://media.example.com/demo/how-to-track.mp4', filename: 'how-to-track.mp4', length: 42 });
  await operator({ type: 'file', url: 'http://media.example.com/demo/发票 2016-02.pdf', filename: '发票 2016-02.pdf', file_length: 102400 });
  await operator({ type: 'custom', msg: '您的订单', ext: { template: { orderId: '20160219184300123', status: '已发货' } } });
  await operator({ type: 'txt', msg: '已为您催促仓库，今天内发货，请留意物流信息' });
  return chat;
}
