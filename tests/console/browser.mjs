// Chromium for the console's tests (the system's, never a downloaded one), a page per test, and
// the helpers that drive the console as an operator would.
import { chromium } from 'playwright-core';

/** A stand-in for the media host's pictures, so screenshots show images instead of broken icons. */
const PICTURE = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="140">' +
  '<rect width="200" height="140" fill="#d9e6f5"/><circle cx="60" cy="55" r="22" fill="#f4b942"/>' +
  '<path d="M0 140 L70 80 L120 120 L150 95 L200 140 Z" fill="#5b8fc7"/></svg>';

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.OPCHAT_CHROMIUM || '/usr/bin/chromium' });
}

/**
 * A fresh browser context (own cookies, Chinese locale) and its page. The media host is answered
 * by a drawing (no network leaves the machine).
 */
export async function newPage(browser) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  await context.route('http://media.example.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PICTURE }));
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // The page asks /console/api/me before sign-in: its 401 is the expected answer.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return { context, page, problems };
}

/** Opens the console and signs in as `operator` ({login, password}). */
export async function signIn(page, server, operator) {
  await page.goto(`${server.base}/console/`);
  await page.locator('#login-form').waitFor();
  await page.fill('#login-channel', server.channel);
  await page.fill('#login-name', operator.login);
  await page.fill('#login-password', operator.password);
  await page.click('#login-submit');
  await page.locator('#app-screen').waitFor({ state: 'visible' });
}

/** Shows queue tab `name` and opens chat `chatId` from it. */
export async function openChat(page, tab, chatId) {
  await page.click(`[data-tab="${tab}"]`);
  await page.click(`[data-chat="${chatId}"]`);
  await page.locator(`[data-chat="${chatId}"][aria-current="true"]`).waitFor();
  await page.locator('#chat').waitFor({ state: 'visible' });
}

/** The count shown on queue tab `name` (NaN while loading). */
export async function tabCount(page, name) {
  return Number(await page.locator(`[data-tab="${name}"] .count`).textContent());
}
