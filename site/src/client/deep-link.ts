// A deep link to a field (`#body.apps`, `#response-200.session.namespace`) or a response opens the <details>
// around it — native disclosure keeps the target hidden otherwise — and scrolls it into view.
export function openDeepLink(): void {
  const open = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (!target) return;
    for (let el = target.parentElement; el; el = el.parentElement) if (el instanceof HTMLDetailsElement) el.open = true;
    target.scrollIntoView();
  };
  addEventListener('hashchange', open);
  open();
}
