// One message of the history (docs/api.md "operatorToUserChatMessages") drawn as DOM nodes, one
// drawer per type. Every text from the message goes through textContent (see dom.js); media
// load from the signed `getUrl` the API answers, else the message's own `url`.
import { el } from './dom.js';
import { t } from './i18n.js';

/** The address a browser should fetch for a media message, or null. Only http(s): a
 * `javascript:` URL in a message must not become a link. */
function mediaUrl(message) {
  for (const candidate of [message.getUrl, message.url]) {
    if (typeof candidate !== 'string') continue;
    try {
      const url = new URL(candidate, location.href);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
    } catch { /* not a URL: try the next */ }
  }
  return null;
}

function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return n > 0 ? `${n} B` : '';
}

function caption(...parts) {
  return el('span', { class: 'caption', text: parts.filter(Boolean).join(' · ') });
}

function drawText(message) {
  return el('p', { class: 'text', text: message.msg ?? '' });
}

function drawImage(message) {
  const src = mediaUrl(message);
  const name = message.filename || t('image');
  if (!src) return caption(`[${t('image')}]`, name, t('noMedia'));
  return el('a', { href: src, target: '_blank', rel: 'noopener noreferrer', class: 'media-link' },
    el('img', { src, alt: name, loading: 'lazy', class: 'image' }));
}

function drawPlayer(message, tag, label) {
  const src = mediaUrl(message);
  const seconds = Number(message.length) > 0 ? t('seconds', { n: message.length }) : '';
  const title = [label, message.filename, seconds].filter(Boolean).join(' · ');
  if (!src) return caption(`[${label}]`, message.filename, seconds, t('noMedia'));
  const player = el(tag, { src, controls: true, preload: 'none', 'aria-label': title, class: tag });
  if (tag === 'video' && message.thumb && mediaUrl({ url: message.thumb })) {
    player.setAttribute('poster', mediaUrl({ url: message.thumb }));
  }
  return el('div', { class: 'player' }, player, caption(title));
}

function drawFile(message) {
  const src = mediaUrl(message);
  const name = message.filename || t('file');
  const size = formatBytes(message.file_length);
  if (!src) return caption(`[${t('file')}]`, name, size, t('noMedia'));
  return el('p', { class: 'file' },
    el('a', { href: src, target: '_blank', rel: 'noopener noreferrer', download: name, text: name }),
    size ? ` (${size})` : '');
}

function drawLocation(message) {
  const hasPoint = typeof message.lat === 'number' && typeof message.lng === 'number';
  const point = hasPoint ? `${message.lat}, ${message.lng}` : '';
  const map = hasPoint
    ? el('a', {
      href: `https://www.openstreetmap.org/?mlat=${message.lat}&mlon=${message.lng}#map=16/${message.lat}/${message.lng}`,
      target: '_blank', rel: 'noopener noreferrer', text: t('openMap'),
    })
    : null;
  return el('p', { class: 'location' },
    el('span', { class: 'tag', text: t('location') }), ' ',
    message.addr || '', point ? ` (${point})` : '', map ? ' · ' : '', map);
}

/** An order card: `ext.template` (the demo's shape) or `ext.order`, as key/value rows. */
function orderCard(ext) {
  const fields = ext && typeof ext === 'object' ? (ext.template ?? ext.order) : null;
  if (!fields || typeof fields !== 'object') return null;
  const rows = Object.entries(fields).map(([key, value]) => [
    el('dt', { text: key }),
    el('dd', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) }),
  ]);
  return el('section', { class: 'order-card', 'aria-label': t('order') },
    el('h4', { text: t('order') }), el('dl', {}, rows));
}

function drawCustom(message) {
  const card = orderCard(message.ext);
  const text = message.msg ? drawText(message) : null;
  if (card || text) return el('div', {}, text, card);
  return caption(`[${t('custom')}]`, JSON.stringify(message.ext ?? {}));
}

function drawCommand(message) {
  return caption(`[${t('command')}]`, message.msg ?? '');
}

const DRAWERS = {
  txt: drawText,
  img: drawImage,
  audio: (m) => drawPlayer(m, 'audio', t('audio')),
  video: (m) => drawPlayer(m, 'video', t('video')),
  file: drawFile,
  loc: drawLocation,
  cmd: drawCommand,
  custom: drawCustom,
};

/**
 * The <li> of one message. `fromOperator`: whether its sender is the chat's operator side
 * (drawn on the right).
 */
export function drawMessage(message, fromOperator) {
  const draw = DRAWERS[message.type] ?? drawCustom;
  const body = draw(message);
  // An order card may ride on any type, not only `custom`.
  const card = message.type !== 'custom' ? orderCard(message.ext) : null;
  const who = fromOperator ? t('fromOperator') : t('fromUser');
  return el('li', {
    class: `message ${fromOperator ? 'from-operator' : 'from-user'} type-${message.type}`,
    'data-seq': message.seq, 'data-id': message.userMessageId,
  },
  el('div', { class: 'meta' },
    el('span', { class: 'sender', text: `${who} ${message.form ?? ''}` }),
    el('time', { text: message.createTime ?? '' })),
  el('div', { class: 'bubble' }, body, card));
}
