/** `dermkit serve` as a process: binds to localhost by default, serves, and stops cleanly on SIGTERM. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lesionPng, tinyModels, type TinyModels } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `dermkit serve <args>` without going through src/cli/main.ts. */
function serve(args: string[]): ChildProcess {
  const script = `import { Command } from 'commander';
import { registerServe } from './src/cli/serve.ts';
const program = new Command().name('dermkit');
registerServe(program);
await program.parseAsync(${JSON.stringify(['serve', ...args])}, { from: 'user' });`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in 30 s; output:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = pattern.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}; output:\n${output}`)));
  });
}

describe('dermkit serve', () => {
  let models: TinyModels;
  before(async () => {
    models = await tinyModels();
  });
  after(() => models.dispose());

  it('listens on 127.0.0.1 by default, analyses, and exits 0 on SIGTERM', async () => {
    const child = serve(['--port', '0', '--seg', models.segDir, '--cls', models.clsDir]);
    try {
      const [, url] = await waitForOutput(child, /dermkit serving .* at (http:\/\/\S+)/);
      assert.match(url!, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/v1/analyze`, { method: 'POST', body: await lesionPng(), headers: { 'content-type': 'image/png' } });
      assert.equal(res.status, 200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a bad option value with a clear message', async () => {
    const child = serve(['--concurrency', '0', '--seg', models.segDir, '--cls', models.clsDir]);
    const [message] = await waitForOutput(child, /option '--concurrency <n>' argument '0' is invalid.*/);
    assert.match(message!, /at least 1/);
  });
});
