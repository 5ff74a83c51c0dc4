// The preload for child processes the Slack tests start (and the fetch guard's host check). It keeps a
// process on loopback. `isLoopbackHost` is what the in-process fetch guard (helpers.ts) checks;
// `installNetGuard` patches net.Socket#connect (which every TCP and TLS client goes through: fetch,
// undici's WebSocket, pg) so that a connection to any other host fails at once and is reported on stderr
// as "NETGUARD refused ...", which the tests look for. A child process gets it with
//   node --import tsx --import <this file's URL> ...  with  WARDWATCH_TEST_NET_GUARD=1
// (serve-helpers.ts sets both); imported without that variable it only exports. With
// WARDWATCH_TEST_PLANT_REJECTION=<message> it also rejects a promise nobody handles, 1.5 s after start:
// what serve's process-level handler must log (redacted) and survive.
import net from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1' || (net.isIP(h) === 4 && h.startsWith('127.'));
}

export const NETGUARD_MARK = 'NETGUARD refused';

let installed = false;

export function installNetGuard(report: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  if (installed) return;
  installed = true;
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as { host?: string; port?: number; path?: string } | number | string;
    let host: string | undefined;
    let port: unknown;
    if (typeof options === 'object' && options !== null) {
      if (typeof options.path === 'string') return (original as (...a: unknown[]) => net.Socket).apply(this, args); // a Unix socket
      host = options.host ?? 'localhost';
      port = options.port;
    } else if (typeof options === 'number' || (typeof options === 'string' && /^\d+$/.test(options))) {
      host = typeof args[1] === 'string' ? args[1] : 'localhost';
      port = options;
    } else {
      return (original as (...a: unknown[]) => net.Socket).apply(this, args); // a pipe path
    }
    if (!isLoopbackHost(host)) {
      report(`${NETGUARD_MARK} a connection to ${host}:${String(port)}`);
      const err = Object.assign(new Error(`test network guard: refused a connection to ${host} (tests stay on loopback)`), { code: 'ECONNREFUSED' });
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
}

if (process.env.WARDWATCH_TEST_NET_GUARD === '1') installNetGuard();
const planted = process.env.WARDWATCH_TEST_PLANT_REJECTION;
if (planted) setTimeout(() => void Promise.reject(new Error(planted)), 1500).unref();
