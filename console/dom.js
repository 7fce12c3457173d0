// Building DOM nodes without HTML strings: every piece of data becomes a text node, so a
// message such as `<img src=x onerror=alert(1)>` is shown as those characters, never parsed.

/**
 * A new element. `attrs` values are set as attributes (`class`, `aria-*`, `data-*`, …) except
 * `text` (textContent) and `on<event>` (listeners added with addEventListener: the CSP forbids
 * inline handlers). `children` are nodes or strings (strings become text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** The element with this id (the page's fixed skeleton in index.html). */
export function byId(id) {
  return document.getElementById(id);
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
}

/**
 * `text` as nodes with every case-insensitive occurrence of `keyword` wrapped in <mark>: the
 * highlight is built from text nodes, so a hit inside markup-looking text stays text.
 */
export function highlighted(text, keyword) {
  const out = [];
  const needle = asciiLower(keyword.trim());
  if (!needle) return [document.createTextNode(text)];
  const hay = asciiLower(text);
  let from = 0;
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, from)) {
    if (at > from) out.push(document.createTextNode(text.slice(from, at)));
    out.push(el('mark', { text: text.slice(at, at + needle.length) }));
    from = at + needle.length;
  }
  if (from < text.length) out.push(document.createTextNode(text.slice(from)));
  return out;
}

/** Lowercases A-Z only, as the server's search does; keeps every index where it was. */
export function asciiLower(text) {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
