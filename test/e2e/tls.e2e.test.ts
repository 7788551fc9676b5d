import { once } from 'node:events';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectTls, TLSSocket } from 'node:tls';
import { LogLine, recordingLogger } from '../support/recording-logger';
import { FerryClient, ServerAddress } from '../../src/transport/client/ferry-client';
import { FerryError } from '../../src/transport/client/ferry-error';
import { runFerry, ServerProcess, startServerProcess } from '../support/ferry-binary';
import { chunksOf, collector, randomFile, sha256 } from '../support/streams';
import { removeDir, startTestServer, tempDir, TestServer } from '../support/test-server';
import { certificatesPerSuite, TestCertificate } from '../support/tls-certs';

/** The certificate a fresh TLS connection is shown, trusting only `ca`. */
async function servedFingerprint(address: ServerAddress, ca: Buffer): Promise<string> {
  const socket: TLSSocket = connectTls({ host: address.host, port: address.port, ca });
  try {
    await once(socket, 'secureConnect');
    return socket.getPeerCertificate().fingerprint256;
  } finally {
    socket.destroy();
  }
}

async function connectError(connecting: Promise<FerryClient>): Promise<FerryError> {
  try {
    (await connecting).destroy();
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error('the connection succeeded');
}

/** Copies a certificate and its key over the files a server was started with. */
function install(certificate: TestCertificate, files: { certFile: string; keyFile: string }): void {
  copyFileSync(certificate.certFile, files.certFile);
  copyFileSync(certificate.keyFile, files.keyFile);
}

describe('Ferry over TLS', () => {
  const certs = certificatesPerSuite();
  const log: LogLine[] = [];
  let ferry: TestServer;
  let files: { certFile: string; keyFile: string };

  beforeEach(async () => {
    log.length = 0;
    // The server reads these paths, so a test can swap what is in them and reload.
    files = { certFile: join(certs.dir, 'served.crt'), keyFile: join(certs.dir, 'served.key') };
    install(certs.first, files);
    ferry = await startTestServer({
      tls: files,
      overrides: { logger: recordingLogger((line) => log.push(line)) },
    });
  });

  afterEach(async () => {
    await ferry.stop();
    removeDir(ferry.dataDir);
  });

  it('uploads and downloads a file byte for byte when the client trusts the CA', async () => {
    expect(ferry.server.tls).toBe(true);
    const client = await ferry.connect({ tls: true, ca: certs.first.pem });
    const bytes = randomFile(3 * 1024 * 1024 + 5);
    const stored = await client.upload('secret.bin', chunksOf(bytes), bytes.length, {
      sha256: sha256(bytes),
    });
    expect(stored).toMatchObject({ version: 1, size: bytes.length, sha256: sha256(bytes) });
    const out = collector();
    await client.download('secret.bin', out.sink);
    expect(out.bytes().equals(bytes)).toBe(true);
    await client.logout();
  });

  it('also works with the host name, checked against the certificate', async () => {
    const client = await FerryClient.connect(
      { host: 'localhost', port: ferry.address.port },
      { tls: true, ca: certs.first.pem },
    );
    expect(await client.list()).toEqual([]);
    await client.logout();
  });

  it('refuses a certificate the client does not trust, with TLS_FAILED naming why, before any request', async () => {
    const error = await connectError(ferry.connect({ tls: true }));
    expect(error.code).toBe('TLS_FAILED');
    expect(error.message).toMatch(/self-signed certificate/);

    const trusted = await ferry.connect({ tls: true, ca: certs.first.pem });
    expect(await trusted.list()).toEqual([]);
    await trusted.logout();
  });

  it('fails a plain client quickly with a clear error, and the server carries on', async () => {
    const started = Date.now();
    const error = await connectError(ferry.connect());
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.code).toBe('CONNECTION_LOST');
    expect(error.message).toMatch(/without a greeting \(does it require TLS\?\)/);
    // Handshake failures are the peer's problem: logged at debug level, nothing more.
    await waitFor(() => log.some((line) => line.message === 'TLS handshake failed'));
    expect(log.find((line) => line.message === 'TLS handshake failed')?.level).toBe('debug');

    const client = await ferry.connect({ tls: true, ca: certs.first.pem });
    expect(await client.list()).toEqual([]);
    await client.logout();
  });

  it('fails a TLS client against a plain server quickly with TLS_FAILED', async () => {
    const plain = await startTestServer();
    try {
      const started = Date.now();
      const error = await connectError(plain.connect({ tls: true, ca: certs.first.pem }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error.code).toBe('TLS_FAILED');
      expect(error.message).toMatch(/does not seem to use TLS/);
    } finally {
      await plain.stop();
      removeDir(plain.dataDir);
    }
  });

  it('answers everything a TLS peer sent before closing its sending side', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: ferry.address.port, ca: certs.first.pem });
    await once(socket, 'secureConnect');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.end('LIST\nSTAT nothing.txt\n');
    await once(socket, 'close');
    expect(received).toMatch(/^OK ferry\/1 session=\S+ .*\nOK count=0\nERR NOT_FOUND /);
  });

  it('reloads the certificate: open connections carry on, new ones get the new certificate', async () => {
    const second = certs.make('second');
    const open = await ferry.connect({ tls: true, ca: certs.first.pem });
    expect(await servedFingerprint(ferry.address, certs.first.pem)).toBe(certs.first.fingerprint256);

    install(second, files);
    const reloaded = ferry.server.reloadTls();
    expect(reloaded.fingerprint256).toBe(second.fingerprint256);

    expect(await open.list()).toEqual([]);
    expect(await servedFingerprint(ferry.address, second.pem)).toBe(second.fingerprint256);
    const stale = await connectError(ferry.connect({ tls: true, ca: certs.first.pem }));
    expect(stale.code).toBe('TLS_FAILED');
    const fresh = await ferry.connect({ tls: true, ca: second.pem });
    expect(await fresh.list()).toEqual([]);
    await fresh.logout();
    await open.logout();
  });

  it('keeps the certificate in use when the new files are unusable', async () => {
    const second = certs.make('mismatch');
    // A key that is not the certificate's.
    copyFileSync(second.certFile, files.certFile);
    expect(() => ferry.server.reloadTls()).toThrow(/does not fit certificate/);
    writeFileSync(files.keyFile, 'not a key');
    expect(() => ferry.server.reloadTls()).toThrow(/is not a PEM private key/);
    removeDir(files.keyFile);
    expect(() => ferry.server.reloadTls()).toThrow(/cannot read TLS key file/);

    expect(await servedFingerprint(ferry.address, certs.first.pem)).toBe(certs.first.fingerprint256);
  });
});

describe('the ferry binary with TLS', () => {
  const certs = certificatesPerSuite();
  let dataDir: string;
  let server: ServerProcess;
  let files: { certFile: string; keyFile: string };

  beforeAll(async () => {
    dataDir = tempDir();
    files = { certFile: join(certs.dir, 'served.crt'), keyFile: join(certs.dir, 'served.key') };
    install(certs.first, files);
    server = await startServerProcess([
      '--data',
      dataDir,
      '--log-level',
      'error',
      '--tls-cert',
      files.certFile,
      '--tls-key',
      files.keyFile,
    ]);
  });

  afterAll(async () => {
    await server?.stop();
    removeDir(dataDir);
  });

  it('says it listens with TLS', () => {
    expect(server.banner).toMatch(/^Ferry listening on 127\.0\.0\.1:\d+ with TLS and disk storage in /);
  });

  it('lists over TLS with --tls --ca, and exits 3 with one line when the certificate is not trusted', async () => {
    const listed = await runFerry(['ls', '--tls', '--ca', certs.first.certFile, '--server', server.server]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });

    const untrusted = await runFerry(['ls', '--tls', '--server', server.server]);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toMatch(
      /^ferry: cannot reach the server securely: .*self-signed certificate\n$/,
    );
  });

  it('takes FERRY_TLS and FERRY_CA from the environment', async () => {
    const env = { FERRY_TLS: '1', FERRY_CA: certs.first.certFile, FERRY_SERVER: server.server };
    expect(await runFerry(['ls'], { env })).toMatchObject({ code: 0, stderr: '' });
    const bad = await runFerry(['ls'], { env: { ...env, FERRY_TLS: 'maybe' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('FERRY_TLS must be 1, true, 0 or false');
  });

  it('puts and gets over TLS', async () => {
    const work = tempDir('ferry-cli-');
    try {
      const bytes = randomFile(200_000);
      writeFileSync(join(work, 'a.bin'), bytes);
      const tls = ['--tls', '--ca', certs.first.certFile, '--server', server.server];
      expect((await runFerry(['put', 'a.bin', ...tls], { cwd: work })).code).toBe(0);
      expect((await runFerry(['get', 'a.bin', 'b.bin', ...tls], { cwd: work })).code).toBe(0);
      expect(readFileSync(join(work, 'b.bin')).equals(bytes)).toBe(true);
    } finally {
      removeDir(work);
    }
  });

  it('refuses --ca without --tls, and an unreadable CA file, as usage errors', async () => {
    const noTls = await runFerry(['ls', '--ca', certs.first.certFile, '--server', server.server]);
    expect(noTls.code).toBe(2);
    expect(noTls.stderr).toContain('--ca is for TLS connections');
    const missing = await runFerry([
      'ls',
      '--tls',
      '--ca',
      join(certs.dir, 'nope.pem'),
      '--server',
      server.server,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the CA file');
  });

  it('reloads the certificate on SIGHUP, and keeps it when the new files are bad', async () => {
    const second = certs.make('second');
    install(second, files);
    server.child.kill('SIGHUP');
    const address = parseAddress(server.server);
    await waitFor(async () => (await fingerprintOrError(address, second.pem)) === second.fingerprint256);

    writeFileSync(files.keyFile, 'not a key');
    server.child.kill('SIGHUP');
    // The signal was handled: the failure is logged, and the certificate in use stays.
    await waitFor(() => server.output().includes('TLS certificate reload failed'));
    expect(await fingerprintOrError(address, second.pem)).toBe(second.fingerprint256);
    expect(server.child.exitCode).toBeNull();
  });

  it('refuses --tls-cert without --tls-key (exit 2)', async () => {
    const lonely = await runFerry([
      'serve',
      '--port',
      '0',
      '--store',
      'memory',
      '--tls-cert',
      files.certFile,
    ]);
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toContain('--tls-cert and --tls-key go together');
  });
});

function parseAddress(server: string): ServerAddress {
  const [host, port] = server.split(':');
  return { host, port: Number(port) };
}

async function fingerprintOrError(address: ServerAddress, ca: Buffer): Promise<string> {
  try {
    return await servedFingerprint(address, ca);
  } catch (error) {
    return String(error);
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
