// Reference pages' try-it: each worked example (`section[data-kind-example]`) gets a "Try it" button; the editor
// island (React, Monaco, the session) is imported only when the learner clicks one.
for (const section of document.querySelectorAll<HTMLElement>('section[data-kind-example]')) {
  const pre = section.querySelector('pre');
  if (!pre) continue;
  if (section.dataset.namespaced === 'false') {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = 'Cluster-scoped: a session (one namespace) cannot create it, so there is no Try it here.';
    pre.after(note);
    continue;
  }
  const button = document.createElement('button');
  const host = document.createElement('div');
  button.type = 'button';
  button.className = 'btn kind-try-it-open';
  button.textContent = 'Try it';
  button.setAttribute('aria-label', `Try it: ${section.querySelector('h3')?.textContent?.trim() ?? 'this example'}`);
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Loading…';
    try {
      const { mountKindTryIt } = await import('../islands/kind-try-it-mount.tsx');
      mountKindTryIt(section, host);
      button.remove();
    } catch {
      button.disabled = false;
      button.textContent = 'Try it (loading failed — retry)';
    }
  });
  pre.after(button, host);
}
