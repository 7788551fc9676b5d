import { spawn } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { FerryClient } from '../../src/transport/client/ferry-client';
import { FERRY_BIN } from '../support/ferry-binary';
import { RawConnection } from '../support/raw-connection';
import { removeDir, tempDir } from '../support/test-server';

/** Opens a connection and resolves once it is established, whatever the server then does with it. */
function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

describe('running out of file descriptors', () => {
  it('keeps the server up and serving others while one address floods it, and after', async () => {
    const data = tempDir();
    // 64 descriptors: the database, the logs and a few dozen sockets. Far fewer than the connection limit.
    const child = spawn(
      'sh',
      [
        '-c',
        `ulimit -n 64 && exec "${process.execPath}" "${FERRY_BIN}" serve --port 0 --data "${data}" --log-level error`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on [\d.]+:(\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', () => reject(new Error(`exited: ${stderr}`)));
      });
      const flood = await Promise.all(Array.from({ length: 150 }, () => openSocket(port)));
      // The flood keeps its connections; those over the per-address limit are cut after their refusal line.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(child.exitCode).toBeNull();
      const other = await RawConnection.open({ host: '127.0.0.1', port }, '127.0.0.2');
      other.send('LIST\n');
      expect(await other.lines(1)).toEqual(['OK count=0']);
      other.destroy();
      flood.forEach((socket) => socket.destroy());
      await new Promise((resolve) => setTimeout(resolve, 500));
      const client = await FerryClient.connect({ host: '127.0.0.1', port });
      await client.list();
      await client.logout();
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      removeDir(data);
    }
  });
});
