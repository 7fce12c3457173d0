// Calls to the server: the console's sign-in (/console/api/*) and the Op API (/op/v2/*) with the
// session cookie. The cookie is HttpOnly and SameSite=Strict; writes add the session's CSRF
// token. No `sign` or `client` parameter is ever sent: their presence would make the server
// judge the request by a signature instead of the session.

/** Op API endpoints that change something, and so need X-CSRF-Token. */
const WRITES = new Set(['createChat', 'acceptChat', 'suspendChat', 'resumeChat', 'transferChat',
  'endChat', 'deleteChat', 'sendMessage']);

/** A refused call: `status` (HTTP; 0 when no answer arrived), the server's `message`, and
 * `retryAfter` (seconds, from a 429's Retry-After) when given. */
export class ApiError extends Error {
  constructor(status, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

let csrfToken = '';
let onSessionEnded = () => {};

/** Remembers the CSRF token of the session (from login or me). */
export function setCsrfToken(token) {
  csrfToken = token || '';
}

/** `handler(error)` runs when any call other than login answers 401: the session is gone. */
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

async function request(method, url, { body, write = false, authProbe = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (write) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, '');
  }
  let answer = null;
  try { answer = await response.json(); } catch { /* not JSON: a proxy's page, say */ }
  if (response.ok && answer && answer.code === 200) return answer;
  const retry = response.headers.get('Retry-After');
  const error = new ApiError(response.status, answer?.message || response.statusText,
    retry === null ? null : Number(retry));
  // A 401 anywhere but the sign-in form means the session ended (logout elsewhere, expiry,
  // `opchat operator disable`): the page goes back to the sign-in screen.
  if (response.status === 401 && !authProbe) onSessionEnded(error);
  throw error;
}

/** Signs in; resolves to {operator, csrfToken}. */
export async function login(channel, loginName, password) {
  const answer = await request('POST', './api/login',
    { body: { channel, login: loginName, password }, authProbe: true });
  setCsrfToken(answer.csrfToken);
  return { operator: answer.operator, csrfToken: answer.csrfToken };
}

/** The signed-in operator, or an ApiError 401 when there is no live session. */
export async function me() {
  const answer = await request('GET', './api/me', { authProbe: true });
  setCsrfToken(answer.csrfToken);
  return { operator: answer.operator, csrfToken: answer.csrfToken };
}

/** Ends the session. */
export async function logout() {
  await request('POST', './api/logout', { write: true, authProbe: true });
  setCsrfToken('');
}

/** The operators of the signed-in operator's channel. */
export async function operators() {
  return (await request('GET', './api/operators')).operators;
}

/** One Op API call; resolves to the whole envelope (data, page). */
export function op(endpoint, body = {}) {
  return request('POST', `../op/v2/${endpoint}`, { body, write: WRITES.has(endpoint) });
}
