// A node:test reporter that writes how long each test file's process ran, slowest first, so the suite's wall time can
// be kept inside CI's budget (scripts/test.sh runs it beside the spec reporter). The runner dequeues a file when its
// process starts and completes it when the process ends; both events name the file itself (data.name === data.file).
export default async function* fileTimes(source) {
  const start = performance.now();
  const startOf = new Map();
  const rows = [];
  for await (const event of source) {
    const { file, name } = event.data ?? {};
    if (!file || name !== file) continue;
    if (event.type === 'test:dequeue') startOf.set(file, performance.now());
    else if (event.type === 'test:complete' && startOf.has(file))
      rows.push([file.replace(`${process.cwd()}/`, ''), (performance.now() - startOf.get(file)) / 1000]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  const sum = rows.reduce((total, [, seconds]) => total + seconds, 0);
  yield `# seconds per test file, slowest first (wall ${((performance.now() - start) / 1000).toFixed(0)} s; files' sum ${sum.toFixed(0)} s)\n`;
  for (const [file, seconds] of rows) yield `${seconds.toFixed(1).padStart(7)}  ${file}\n`;
}
