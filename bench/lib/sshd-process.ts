import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensurePackages } from './apt';
import { run, spawnTracked } from './processes';

/**
 * OpenSSH's sshd as an SFTP peer: `Subsystem sftp internal-sftp`, a private config, host key and
 * authorized_keys in `work`, bound to 127.0.0.1 on a free port, run in the foreground (`-D -e`) and
 * stopped by its own pid. apt-get installs openssh-server when it is missing.
 */

const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

/** Installs openssh-server with apt-get if sshd is missing; false (and a note) if that is not possible. */
export function ensureSshdInstalled(): Promise<boolean> {
  return ensurePackages('sshd', [SSHD], ['openssh-server']);
}

/** A new ed25519 key pair without a passphrase: `path` and `path.pub`. */
export async function makeEd25519Key(path: string, comment: string): Promise<void> {
  const made = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  if (made.code !== 0) throw new Error(`ssh-keygen ${path} failed: ${made.stderr}`);
}

/** A port free on 127.0.0.1 a moment ago (the kernel's pick for port 0). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts sshd accepting the keys in `authorizedKeysFile` for any local account (root included). */
export async function startSshd(work: string, authorizedKeysFile: string): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = join(work, 'sshd_host_ed25519_key');
  if (!existsSync(hostKey)) {
    await makeEd25519Key(hostKey, 'ferry-bench-sshd');
  }
  const port = await freeLoopbackPort();
  const config = join(work, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `PidFile none`,
      `AuthorizedKeysFile ${authorizedKeysFile}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const child = spawnTracked(SSHD, ['-f', config, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sshd did not start: ${log}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const early = (code: number | null) => fail(new Error(`sshd exited ${code}: ${log}`));
    child.once('exit', early);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (!/Server listening on 127\.0\.0\.1 port \d+/.test(log)) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve();
    });
  });
  return {
    pid: child.pid!,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
