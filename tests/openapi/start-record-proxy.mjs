// For the JavaScript client's tests: with OPCHAT_RECORD_ANSWERS set, puts record-proxy.mjs in
// front of 127.0.0.1:UPSTREAM_PORT, so its answers are validated against docs/openapi.yaml too.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'record-proxy.mjs');

/** `{ port, stop }`: the proxy's port, or `upstreamPort` itself when nothing is recorded. */
export async function startRecordProxy(upstreamPort) {
  const file = process.env.OPCHAT_RECORD_ANSWERS;
  if (!file) return { port: upstreamPort, stop: () => {} };
  // stdin stays open while this process lives: the proxy exits when it closes.
  const proxy = spawn(process.execPath, [script, String(upstreamPort), resolve(file)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((ready, fail) => {
    let out = '';
    proxy.stdout.setEncoding('utf8');
    proxy.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) ready(Number(out.trim()));
    });
    proxy.once('exit', () => fail(new Error('record-proxy.mjs did not start')));
  });
  return {
    port,
    stop: () => {
      proxy.stdin.end();
      proxy.kill('SIGTERM');
    },
  };
}
