// `playground bench` run in this process with its stdout and stderr captured, for asserting on exit code and text.
import { Writable } from 'node:stream';
import { runBenchCommand } from '../../playground-server/loadgen/cli.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runBenchCommand(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
