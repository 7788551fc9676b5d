import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Application, PortOverrides, startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG, StoreKind } from '../../src/app/config';
import { FerryClient, ServerAddress } from '../../src/transport/client/ferry-client';
import { FerryServer } from '../../src/transport/ferry-server';
import { silentLogger } from './silent-logger';

export interface TestServer {
  readonly app: Application;
  readonly server: FerryServer;
  readonly address: ServerAddress;
  readonly dataDir: string;
  connect(): Promise<FerryClient>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'ferry-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real server on 127.0.0.1, port 0. Disk storage and SQLite unless told otherwise. */
export async function startTestServer(
  options: { store?: StoreKind; dataDir?: string; overrides?: PortOverrides; idleTimeoutMs?: number } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const config = { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, dataDir, store: options.store ?? 'disk' };
  const app = await startApplication(config, { logger: silentLogger, ...options.overrides });
  const server = new FerryServer(app, { idleTimeoutMs: options.idleTimeoutMs ?? 60_000 });
  const bound = await server.listen(config);
  const address = { host: '127.0.0.1', port: bound.port };
  return {
    app,
    server,
    address,
    dataDir,
    connect: () => FerryClient.connect(address),
    stop: () => server.stop(2000),
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface ServerPerTest {
  /** This test's server. */
  readonly ferry: TestServer;
  /** Stops this test's server and starts another on the same data folder, as a restart would. */
  restart(): Promise<TestServer>;
}

/** A fresh server with disk storage and SQLite for every test, stopped and removed after it. */
export function serverPerTest(): ServerPerTest {
  let current: TestServer | undefined;
  beforeEach(async () => {
    current = await startTestServer();
  });
  afterEach(async () => {
    await current?.stop();
    if (current) removeDir(current.dataDir);
  });
  return {
    get ferry() {
      return current!;
    },
    async restart() {
      await current!.stop();
      current = await startTestServer({ dataDir: current!.dataDir });
      return current;
    },
  };
}
