import { ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../support/audit-db';
import { CuttingProxy } from '../support/cutting-proxy';
import { FERRY_BIN, runFerry } from '../support/ferry-binary';
import { randomFile, sha256 } from '../support/streams';
import { removeDir, serverPerTest, tempDir } from '../support/test-server';

const MIB = 1024 * 1024;

const at = (address: { host: string; port: number }) => `${address.host}:${address.port}`;

/** `ferry` through the proxy, killed (SIGKILL) once the proxy has stalled it mid-transfer. */
async function killedMidway(args: string[], proxy: CuttingProxy, cwd: string, until: () => boolean) {
  const child: ChildProcess = spawn(process.execPath, [FERRY_BIN, ...args], { cwd, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!until() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGKILL');
  await exited;
  proxy.cutAll();
}

async function eventsWhen(dataDir: string, ready: (types: string[]) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const events = readEvents(dataDir);
    if (ready(events.map((event) => event.type)) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ferry put and get continue interrupted transfers', () => {
  const servers = serverPerTest();
  let local: string;
  beforeEach(() => {
    local = tempDir('ferry-cli-resume-');
  });
  afterEach(() => removeDir(local));

  it('put: cut twice, retried by itself, each attempt continuing; the file arrives whole, once', async () => {
    const bytes = randomFile(24 * MIB);
    writeFileSync(join(local, 'big.bin'), bytes);
    const proxy = await CuttingProxy.start(servers.ferry.address, [
      { cutUpAfter: 6 * MIB },
      { cutUpAfter: 8 * MIB },
    ]);
    try {
      const server = at(proxy.address);
      const run = await runFerry(['put', 'big.bin', '--server', server, '--json'], { cwd: local });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ name: 'big.bin', version: 1, sha256: sha256(bytes) });
      // The header lines and greetings aside, the bytes crossed the wire once.
      expect(proxy.up).toBeLessThan(bytes.length + 64 * 1024);
    } finally {
      await proxy.close();
    }
    const events = readEvents(servers.ferry.dataDir);
    const interrupted = events
      .filter((event) => event.type === 'UploadInterrupted')
      .map((event) => event.payload);
    expect(interrupted).toHaveLength(2);
    expect(interrupted[0]).toMatchObject({ from: 0 });
    expect(interrupted[1].from).toBe(interrupted[0].held);
    const uploads = events.filter((event) => event.type === 'FileUploaded');
    expect(uploads).toHaveLength(1);
    expect(uploads[0].payload).toMatchObject({ size: bytes.length, upload: { from: interrupted[1].held } });
  });

  it('put: a file under 1 MiB cut mid-way is sent again whole, not held; the cut attempt is audited', async () => {
    const bytes = randomFile(512 * 1024);
    writeFileSync(join(local, 'small.bin'), bytes);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 200 * 1024 }]);
    try {
      const run = await runFerry(['put', 'small.bin', '--server', at(proxy.address), '--json'], {
        cwd: local,
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ name: 'small.bin', version: 1, sha256: sha256(bytes) });
    } finally {
      await proxy.close();
    }
    const events = await eventsWhen(servers.ferry.dataDir, (types) => types.includes('FileUploaded'));
    expect(events.filter((event) => event.type === 'UploadInterrupted')).toEqual([]);
    const cut = events.filter((event) => event.type === 'CommandRejected').map((event) => event.payload);
    expect(cut).toEqual([
      expect.objectContaining({ command: 'UPLOAD', name: 'small.bin', code: 'SIZE_MISMATCH' }),
    ]);
    const uploads = events.filter((event) => event.type === 'FileUploaded').map((event) => event.payload);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).not.toHaveProperty('upload');
    expect(readdirSync(join(servers.ferry.dataDir, 'held'))).toEqual([]);
  });

  it('put: a 1 GiB upload cut at half way sends only the remaining half on the wire', async () => {
    // Sparse, so making it costs nothing; its bytes (zeros) are sent, hashed and stored like any others.
    const path = join(local, 'gig.bin');
    closeSync(openSync(path, 'w'));
    truncateSync(path, 1024 * MIB);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutUpAfter: 512 * MIB }]);
    try {
      const run = await runFerry(['put', 'gig.bin', '--server', at(proxy.address)], { cwd: local });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(proxy.up).toBeGreaterThan(1024 * MIB);
      expect(proxy.up).toBeLessThan(1024 * MIB + MIB);
    } finally {
      await proxy.close();
    }
    const events = readEvents(servers.ferry.dataDir);
    const held = events.find((event) => event.type === 'UploadInterrupted')?.payload.held as number;
    expect(held).toBeGreaterThan(500 * MIB);
    expect(events.find((event) => event.type === 'FileUploaded')?.payload).toMatchObject({
      size: 1024 * MIB,
      upload: { from: held },
    });
  }, 120_000);

  it('put: the same command run again after the client was killed mid-way continues it', async () => {
    const bytes = randomFile(16 * MIB);
    writeFileSync(join(local, 'k.bin'), bytes);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ stallUpAfter: 5 * MIB }]);
    const server = at(proxy.address);
    try {
      await killedMidway(['put', 'k.bin', '--server', server], proxy, local, () => proxy.up >= 5 * MIB);
      const events = await eventsWhen(servers.ferry.dataDir, (types) => types.includes('UploadInterrupted'));
      const held = events.find((event) => event.type === 'UploadInterrupted')?.payload.held as number;
      expect(held).toBeGreaterThan(4 * MIB);
      const before = proxy.up;
      const run = await runFerry(['put', 'k.bin', '--server', server], { cwd: local });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(proxy.up - before).toBeLessThan(bytes.length - held + 64 * 1024);
      const uploaded = readEvents(servers.ferry.dataDir).find((event) => event.type === 'FileUploaded');
      expect(uploaded?.payload).toMatchObject({ sha256: sha256(bytes), upload: { from: held } });
    } finally {
      await proxy.close();
    }
  });

  it('put and get of a tree: cut mid-way, retried, each file once, finished ones not repeated', async () => {
    const tree = join(local, 'tree');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) files.set(`d${i % 4}/f${i}.bin`, randomFile(150_000 + i));
    for (const [path, bytes] of files) {
      mkdirSync(join(tree, path, '..'), { recursive: true });
      writeFileSync(join(tree, path), bytes);
    }
    const proxy = await CuttingProxy.start(servers.ferry.address, [
      { cutUpAfter: 2 * MIB },
      { cutDownAfter: 3 * MIB },
    ]);
    try {
      const server = at(proxy.address);
      const put = await runFerry(['put', 'tree', 'up/', '--server', server], { cwd: local });
      expect(put).toMatchObject({ code: 0, stderr: '' });
      const get = await runFerry(['get', '--prefix', 'up/', '--to', 'down', '--server', server], {
        cwd: local,
      });
      expect(get).toMatchObject({ code: 0, stderr: '' });
    } finally {
      await proxy.close();
    }
    for (const [path, bytes] of files)
      expect(readFileSync(join(local, 'down', path)).equals(bytes)).toBe(true);
    const events = readEvents(servers.ferry.dataDir);
    const uploads = events
      .filter((event) => event.type === 'FileUploaded')
      .map((event) => event.payload.name);
    expect(uploads.sort()).toEqual([...files.keys()].map((path) => `up/${path}`).sort());
    const complete = events.filter((event) => event.type === 'FileDownloaded' && event.payload.complete);
    expect(new Set(complete.map((event) => event.payload.name)).size).toBe(files.size);
  });

  it('get: cut mid-way, retried by itself from the offset; the whole file is verified before it appears', async () => {
    const bytes = randomFile(20 * MIB);
    writeFileSync(join(local, 'src.bin'), bytes);
    expect(
      (
        await runFerry(['put', 'src.bin', 'remote.bin', '--server', at(servers.ferry.address)], {
          cwd: local,
        })
      ).code,
    ).toBe(0);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ cutDownAfter: 7 * MIB }]);
    try {
      const server = at(proxy.address);
      const run = await runFerry(['get', 'remote.bin', 'copy.bin', '--server', server], { cwd: local });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(join(local, 'copy.bin')).equals(bytes)).toBe(true);
      expect(proxy.down).toBeLessThan(bytes.length + 64 * 1024);
    } finally {
      await proxy.close();
    }
    const downloads = readEvents(servers.ferry.dataDir)
      .filter((event) => event.type === 'FileDownloaded')
      .map((event) => event.payload);
    expect(downloads).toHaveLength(2);
    expect(downloads[0]).toMatchObject({ complete: false });
    // The server counts what left it; the client kept what reached it before the cut, and continues there.
    expect(downloads[1]).toMatchObject({ complete: true });
    expect(downloads[1].from).toBeGreaterThan(0);
    expect(downloads[1].from).toBeLessThanOrEqual(downloads[0].bytes as number);
    expect(readdirSync(local).filter((entry) => entry.endsWith('.ferry-part'))).toEqual([]);
  });

  it('get: a small version removes the partial a killed get of a larger one left; empty files go both ways', async () => {
    writeFileSync(join(local, 'large.bin'), randomFile(16 * MIB));
    const server = at(servers.ferry.address);
    expect((await runFerry(['put', 'large.bin', 'r.bin', '--server', server], { cwd: local })).code).toBe(0);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ stallDownAfter: 6 * MIB }]);
    try {
      await killedMidway(
        ['get', 'r.bin', '--server', at(proxy.address)],
        proxy,
        local,
        () => proxy.down >= 6 * MIB,
      );
    } finally {
      await proxy.close();
    }
    expect(readdirSync(local).filter((entry) => entry.endsWith('.ferry-part'))).toHaveLength(1);
    const small = randomFile(3000);
    writeFileSync(join(local, 'small.bin'), small);
    writeFileSync(join(local, 'empty.bin'), Buffer.alloc(0));
    for (const [from, to] of [
      ['small.bin', 'r.bin'],
      ['empty.bin', 'empty.bin'],
    ]) {
      expect((await runFerry(['put', from, to, '--server', server], { cwd: local })).code).toBe(0);
    }
    mkdirSync(join(local, 'back'));
    const got = await runFerry(['get', 'r.bin', '--server', server], { cwd: local });
    expect(got).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(local, 'r.bin')).equals(small)).toBe(true);
    expect(readdirSync(local).filter((entry) => entry.includes('.ferry-part'))).toEqual([]);
    const empty = await runFerry(['get', 'empty.bin', join('back', 'empty.bin'), '--server', server], {
      cwd: local,
    });
    expect(empty).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(local, 'back', 'empty.bin'))).toHaveLength(0);
  });

  it('get: run again after the client was killed, it continues the partial file beside the target', async () => {
    const bytes = randomFile(16 * MIB);
    writeFileSync(join(local, 'src.bin'), bytes);
    expect(
      (await runFerry(['put', 'src.bin', 'r.bin', '--server', at(servers.ferry.address)], { cwd: local }))
        .code,
    ).toBe(0);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ stallDownAfter: 6 * MIB }]);
    const server = at(proxy.address);
    try {
      await killedMidway(['get', 'r.bin', '--server', server], proxy, local, () => proxy.down >= 6 * MIB);
      const partials = readdirSync(local).filter((entry) => entry.endsWith('.ferry-part'));
      expect(partials).toHaveLength(1);
      const run = await runFerry(['get', 'r.bin', '--server', server], { cwd: local });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(join(local, 'r.bin')).equals(bytes)).toBe(true);
      expect(readdirSync(local).filter((entry) => entry.endsWith('.ferry-part'))).toEqual([]);
    } finally {
      await proxy.close();
    }
    const events = await eventsWhen(
      servers.ferry.dataDir,
      (types) => types.filter((t) => t === 'FileDownloaded').length >= 2,
    );
    const resumed = events.filter((event) => event.type === 'FileDownloaded').at(-1)?.payload;
    expect(resumed).toMatchObject({ complete: true });
    expect(resumed?.from as number).toBeGreaterThan(0);
  });

  it('get: a partial that does not hash with the rest to the recorded SHA-256 is refused and removed', async () => {
    const bytes = randomFile(3 * MIB);
    writeFileSync(join(local, 'src.bin'), bytes);
    expect(
      (await runFerry(['put', 'src.bin', 'c.bin', '--server', at(servers.ferry.address)], { cwd: local }))
        .code,
    ).toBe(0);
    const proxy = await CuttingProxy.start(servers.ferry.address, [{ stallDownAfter: MIB }]);
    const server = at(proxy.address);
    try {
      await killedMidway(['get', 'c.bin', '--server', server], proxy, local, () => proxy.down >= MIB);
    } finally {
      await proxy.close();
    }
    const [partial] = readdirSync(local).filter((entry) => entry.endsWith('.ferry-part'));
    const damaged = readFileSync(join(local, partial));
    damaged[100] ^= 0xff;
    writeFileSync(join(local, partial), damaged);
    const run = await runFerry(['get', 'c.bin', '--server', at(servers.ferry.address)], { cwd: local });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/CHECKSUM_MISMATCH/);
    expect(readdirSync(local).filter((entry) => entry === 'c.bin' || entry.endsWith('.ferry-part'))).toEqual(
      [],
    );
    const again = await runFerry(['get', 'c.bin', '--server', at(servers.ferry.address)], { cwd: local });
    expect(again.code).toBe(0);
    expect(readFileSync(join(local, 'c.bin')).equals(bytes)).toBe(true);
  });
});
