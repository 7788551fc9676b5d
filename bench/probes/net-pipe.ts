import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { AddressInfo, connect, createServer, Socket } from 'node:net';

/**
 * The loopback ceiling of /work/shared/bench/baselines.sh (its nodepipe.js), as two processes:
 *   node net-pipe.js server [sha256]     prints "port N", then "<bytes> <ns from accept to end>" and exits
 *   node net-pipe.js client PORT FILE HWM [sha256]   pipes FILE (read HWM bytes at a time) to 127.0.0.1:PORT
 * With `sha256` both ends hash every byte they move, as a verified transfer must: the least any Node
 * client and server that prove their bytes spend, with no protocol, no disk write and no log.
 */
const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const hash = args[0] === 'sha256' ? createHash('sha256') : undefined;
  const server = createServer((socket) => {
    let bytes = 0;
    const started = process.hrtime.bigint();
    socket.on('data', (chunk: Buffer) => {
      hash?.update(chunk);
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
  const [port, file, highWaterMark, hashed] = args;
  const socket = connect(Number(port), '127.0.0.1', () => {
    const source = createReadStream(file, { highWaterMark: Number(highWaterMark) });
    if (hashed === 'sha256') void sendHashed(source, socket);
    else source.pipe(socket);
  });
  socket.on('error', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: net-pipe.js server [sha256] | client PORT FILE HWM [sha256]\n');
  process.exit(2);
}

async function sendHashed(source: AsyncIterable<Buffer>, socket: Socket): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of source) {
    hash.update(chunk);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  hash.digest();
  socket.end();
}
