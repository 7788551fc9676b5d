import { spawn } from 'node:child_process';
import { ephemeralHostKey } from '../../src/infra/crypto/ssh-host-key';
import { SftpServer, SftpServerOptions } from '../../src/transport/sftp/sftp-server';
import { TestServer } from './test-server';

/** An SFTP server on 127.0.0.1, port 0, over a test server's application. Stop it before the test server. */
export async function startSftpServer(
  ferry: TestServer,
  options: Partial<SftpServerOptions> = {},
): Promise<{ server: SftpServer; port: number }> {
  const server = new SftpServer(ferry.app, {
    hostKey: ephemeralHostKey(),
    idleTimeoutMs: 60_000,
    loginTimeoutMs: 30_000,
    ...options,
  });
  const bound = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, port: bound.port };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A real OpenSSH client command, the password given by sshpass; never asks about host keys. */
export function runOpenSsh(command: string, args: string[], password: string, cwd?: string): Promise<Run> {
  return runOpenSshWithInput(command, args, password, '', cwd);
}

/** `-o BatchMode=no` must come before `-b`, or sftp refuses passwords. */
const SSH_OPTIONS = [
  '-o',
  'BatchMode=no',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'PubkeyAuthentication=no',
  '-o',
  'NumberOfPasswordPrompts=1',
];

/**
 * `sftp -b -` running `commands` as `user`, with `flags` (`-vvv`, say) before the others; a non-zero code
 * when a command failed. Killed after `timeoutMs`.
 */
export function sftpBatch(
  port: number,
  user: string,
  password: string,
  commands: string[],
  cwd?: string,
  timeoutMs = 30_000,
  flags: string[] = [],
) {
  return runOpenSshWithInput(
    'sftp',
    [...flags, '-P', String(port), '-b', '-', `${user}@127.0.0.1`],
    password,
    commands.join('\n') + '\n',
    cwd,
    timeoutMs,
  );
}

function runOpenSshWithInput(
  command: string,
  args: string[],
  password: string,
  input: string,
  cwd?: string,
  timeoutMs = 30_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sshpass', ['-p', password, command, ...SSH_OPTIONS, ...args], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
