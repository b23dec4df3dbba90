// The key that leaves a widget which keeps Tab for itself (the terminal completes with it, Monaco indents with it):
// Escape, then Tab (or Shift-Tab), as CodeMirror does — WCAG 2.1.2 No Keyboard Trap. The widget lets that Tab through
// to the browser, which moves focus to the next (previous) focusable element.

/** Said on screen next to each such widget. */
export const focusEscapeHint = (what: string) => `Press Esc then Tab to leave the ${what}.`;

export class EscapeThenTab {
  private armed = false;

  /** Feed every keydown; true when this one is the Tab that must move focus out (the widget must not handle it). */
  leaves(ev: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey'>): boolean {
    if (ev.key === 'Tab' && this.armed && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      this.armed = false;
      return true;
    }
    // Modifier keys alone (Shift before Tab) keep the escape armed.
    if (ev.key === 'Shift' || ev.key === 'Control' || ev.key === 'Alt' || ev.key === 'Meta') return false;
    this.armed = ev.key === 'Escape';
    return false;
  }
}
