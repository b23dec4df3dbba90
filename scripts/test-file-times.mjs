// A node:test reporter that writes how long each test file took, slowest first, so the suite's wall time can be kept
// inside CI's budget (scripts/test.sh runs it beside the spec reporter). Node 20 reports a file's events when the
// file's process ends, and files run one after another, so a file's time is from the previous file's end to its own.
export default async function* fileTimes(source) {
  const start = performance.now();
  const endOf = new Map(); // file → when its last event arrived
  for await (const event of source) {
    const file = event.data?.file;
    if (file && event.type !== 'test:enqueue' && event.type !== 'test:dequeue') endOf.set(file, performance.now());
  }
  let previous = start;
  const rows = [...endOf].sort((a, b) => a[1] - b[1]).map(([file, end]) => {
    const seconds = (end - previous) / 1000;
    previous = end;
    return [file.replace(`${process.cwd()}/`, ''), seconds];
  });
  rows.sort((a, b) => b[1] - a[1]);
  yield `# seconds per test file, slowest first (all files: ${((previous - start) / 1000).toFixed(0)} s)\n`;
  for (const [file, seconds] of rows) yield `${seconds.toFixed(1).padStart(7)}  ${file}\n`;
}
