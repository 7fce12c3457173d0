// Page-wide shortcuts (listed in the help line): Alt+↑/↓ the previous/next chat of the queue,
// `/` the search box, Esc closes the search results (dialogs close on Esc by themselves).

/** True while the user types into a field, where `/` is a character, not a shortcut. */
function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** @param {{nextChat: (step: number) => void, focusSearch: () => void,
 *           closePanels: () => boolean, active: () => boolean}} handlers */
export function installShortcuts({ nextChat, focusSearch, closePanels, active }) {
  document.addEventListener('keydown', (event) => {
    if (!active() || event.defaultPrevented) return;
    if (event.altKey && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      nextChat(event.key === 'ArrowDown' ? 1 : -1);
    } else if (event.key === '/' && !event.altKey && !event.ctrlKey && !event.metaKey && !typing(event.target)) {
      event.preventDefault();
      focusSearch();
    } else if (event.key === 'Escape' && !document.querySelector('dialog[open]')) {
      if (closePanels()) event.preventDefault();
    }
  });
}
