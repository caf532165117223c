// A throwaway PostgreSQL server for tests, started from Debian's binaries under
// /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root, so as root every server
// command runs as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL server in a temp directory, on a loopback port. */
export class PgServer {
  readonly url: string;
  readonly #bin: string;
  readonly #dir: string;
  readonly #port: number;
  readonly #asPostgres: boolean;
  #durable = false;

  private constructor(bin: string, dir: string, port: number) {
    this.#bin = bin;
    this.#dir = dir;
    this.#port = port;
    this.#asPostgres = process.getuid?.() === 0;
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  /** initdb + start. Throws with the server's own output when it cannot. */
  static async start(options: { durable?: boolean } = {}): Promise<PgServer> {
    const bin = findPostgresBin();
    if (!bin)
      throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
    const dir = mkdtempSync(join(tmpdir(), 'steadycall-pg-'));
    const server = new PgServer(bin, dir, await freePort());
    server.#durable = options.durable ?? false;
    if (server.#asPostgres) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dir, uid, gid);
      chmodSync(dir, 0o700);
    }
    server.#run('initdb', ['-D', server.#data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    server.startServer();
    return server;
  }

  get #data(): string {
    return join(this.#dir, 'data');
  }

  #run(tool: string, args: string[]): void {
    const cmd = join(this.#bin, tool);
    const result = this.#asPostgres
      ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
      : spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout}`);
    }
  }

  /** Starts (or restarts after `stopServer`) the server process. */
  startServer(): void {
    const opts = [
      `-p ${this.#port}`,
      `-k ${this.#dir}`,
      "-c listen_addresses='127.0.0.1'",
      '-c fsync=off',
      // Fast by default; a durable server keeps every acknowledged commit across `stopServer()`
      // (an immediate stop is a crash: with synchronous_commit=off recent commits would vanish).
      `-c synchronous_commit=${this.#durable ? 'on' : 'off'}`,
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    this.#run('pg_ctl', [
      '-D',
      this.#data,
      '-l',
      join(this.#dir, 'log'),
      '-o',
      opts,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** Stops the server at once (connections are cut, as in a crash or failover). */
  stopServer(): void {
    this.#run('pg_ctl', ['-D', this.#data, '-m', 'immediate', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      this.stopServer();
    } catch {
      // already stopped
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
