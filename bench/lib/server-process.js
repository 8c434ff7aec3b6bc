/**
 * The app under load, in its own process (so the load generator does not share its event loop), and the load:
 * what the http, web and group-commit sections share. The server script prints one JSON line when ready.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Start `script` with `args`; resolves with { child, ...the JSON line it printed when ready }. */
export function startServer(script, args, what = 'The API process') {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, ...JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`${what} exited with code ${code} before it was ready`)));
  });
}

export function stopServer(server) {
  return new Promise((resolve) => {
    server.child.once('exit', resolve);
    server.child.kill('SIGTERM');
  });
}

/** One autocannon load, as a promise. */
export function load(autocannon, options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
