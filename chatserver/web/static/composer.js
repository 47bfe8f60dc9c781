// The composer: the message box with its Send and Stop buttons.
import { ui } from './state.js';

/**
 * wireComposer makes Enter (without Shift) and Send call onSend with the
 * box's text, and Stop call onStop.
 */
export function wireComposer({ onSend, onStop }) {
  ui.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    onSend(ui.input.value);
  });
  ui.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      onSend(ui.input.value);
    }
  });
  ui.input.addEventListener('input', autoGrow);
  window.addEventListener('resize', autoGrow);
  autoGrow();
  ui.stop.addEventListener('click', onStop);
}

/** clearInput empties the message box. */
export function clearInput() {
  ui.input.value = '';
  autoGrow();
}

/** restoreInput puts text back into the message box if it is empty. */
export function restoreInput(text) {
  if (!text || ui.input.value) return;
  ui.input.value = text;
  autoGrow();
}

/** setStreaming shows Stop instead of Send (and marks the box and log busy) while on. */
export function setStreaming(on) {
  ui.send.hidden = on;
  ui.stop.hidden = !on;
  ui.input.setAttribute('aria-busy', on ? 'true' : 'false');
  ui.log.setAttribute('aria-busy', on ? 'true' : 'false');
}

/** showStop shows or hides the Stop button (the server may not allow cancelling). */
export function showStop(on) {
  ui.stop.hidden = !on;
}

/** focusInput moves the focus to the message box. */
export function focusInput() {
  ui.input.focus();
}

/** hasFocus reports whether the message box has the focus. */
export function hasFocus() {
  return document.activeElement === ui.input;
}

// autoGrow fits the box to its text (or its placeholder), up to 200px.
function autoGrow() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 200)}px`;
}
