// Helpers for single-key shortcuts (j/k, x, /): they must never fire while someone is typing.
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'time', '']);

/** Whether a key event comes from somewhere text is typed (inputs, textareas, editors, selects). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return TEXT_INPUT_TYPES.has(target.type);
  return false;
}

/** Whether the event happens inside something that owns its own keys: a dialog, a menu, a list box. */
export function isInsideWidget(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  return target.closest('[role="dialog"], [role="menu"], [role="listbox"], [role="tablist"]') !== null;
}

/** Whether Enter on this target already means something (a button, a link). */
export function isActivatable(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  return target.closest('button, a[href], [role="button"], [role="tab"], summary') !== null;
}
