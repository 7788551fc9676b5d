import { connect } from 'node:net';
import { ServerAddress } from '../../src/transport/client/ferry-client';

/**
 * Connects (from `localAddress`, another loopback address if wanted: 127.0.0.2 is a different client to
 * the server) and resolves with the first line the server sends, and whether it then closed.
 */
export function firstLine(
  address: ServerAddress,
  localAddress = '127.0.0.1',
): Promise<{ line: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, localAddress });
    let received = '';
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const newline = received.indexOf('\n');
      if (newline !== -1) {
        resolve({ line: received.slice(0, newline), closed: closed.then(() => undefined) });
        socket.end();
      }
    });
    socket.once('close', () => resolve({ line: received, closed }));
  });
}
