import { createReadStream } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';

/**
 * The loopback ceiling of /work/shared/bench/baselines.sh (its nodepipe.js), as two processes:
 *   node net-pipe.js server        prints "port N", then "<bytes> <ns from accept to end>" and exits
 *   node net-pipe.js client PORT FILE HWM   pipes FILE (read HWM bytes at a time) to 127.0.0.1:PORT
 */
const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const server = createServer((socket) => {
    let bytes = 0;
    const started = process.hrtime.bigint();
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('end', () => {
      process.stdout.write(`${bytes} ${process.hrtime.bigint() - started}\n`);
      socket.end();
      server.close();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
  });
} else if (mode === 'client') {
  const [port, file, highWaterMark] = args;
  const socket = connect(Number(port), '127.0.0.1', () => {
    createReadStream(file, { highWaterMark: Number(highWaterMark) }).pipe(socket);
  });
  socket.on('error', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: net-pipe.js server | client PORT FILE HWM\n');
  process.exit(2);
}
