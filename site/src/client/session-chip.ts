// Pages that read the session over plain REST (home, lesson list) and open no WebSocket still say which
// sandbox they show, so the header never reads "not connected" above the session's own pods or progress.
export function markSessionChip(namespace: string | null): void {
  const chip = document.getElementById('session-chip');
  if (!chip || chip.dataset.state === 'ready' || chip.dataset.state === 'reconnecting') return;
  chip.dataset.state = namespace ? 'found' : 'idle';
  chip.textContent = namespace ? `Sandbox: ${namespace}` : 'Sandbox: none yet';
  chip.title = namespace ? 'your session (kept on the server)' : 'a session starts when you open a lesson, the playground or the benchmarks';
}
