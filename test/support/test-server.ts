import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Application, PortOverrides, startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG, FerryConfig, StoreKind } from '../../src/app/config';
import { Argon2PasswordHasher } from '../../src/infra/security/argon2-password-hasher';
import { ConnectionOptions, FerryClient, ServerAddress } from '../../src/transport/client/ferry-client';
import { FerryServer } from '../../src/transport/ferry-server';
import { DEFAULT_SERVER_OPTIONS, ServerOptions } from '../../src/transport/server-options';
import { TlsFiles } from '../../src/transport/tls-listener';
import { silentLogger } from './silent-logger';

/** Real argon2id at a cost that keeps hundreds of logins in a test fast; the format is the same. */
export const cheapPasswordHasher = new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1 });

export interface TestServer {
  readonly app: Application;
  readonly server: FerryServer;
  readonly address: ServerAddress;
  readonly dataDir: string;
  connect(options?: ConnectionOptions): Promise<FerryClient>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'ferry-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real server on 127.0.0.1, port 0. Disk storage and SQLite unless told otherwise. */
export async function startTestServer(
  options: {
    store?: StoreKind;
    dataDir?: string;
    overrides?: PortOverrides;
    idleTimeoutMs?: number;
    /** Listen with TLS, using these PEM files. */
    tls?: TlsFiles;
    /** Settings over the defaults, e.g. limits or ban policy. */
    config?: Partial<FerryConfig>;
    server?: Partial<ServerOptions>;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const config = {
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    store: options.store ?? 'disk',
    ...options.config,
  };
  const app = await startApplication(config, {
    logger: silentLogger,
    passwordHasher: cheapPasswordHasher,
    ...options.overrides,
  });
  const server = new FerryServer(app, {
    ...DEFAULT_SERVER_OPTIONS,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    tls: options.tls,
    ...options.server,
  });
  const bound = await server.listen(config);
  const address = { host: '127.0.0.1', port: bound.port };
  return {
    app,
    server,
    address,
    dataDir,
    connect: (connection) => FerryClient.connect(address, connection),
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

type Hook = (run: () => Promise<void>) => void;

/**
 * A server with disk storage and SQLite started in the `setUp` hook and stopped and removed in `tearDown`
 * (beforeEach/afterEach or beforeAll/afterAll); `current` is whichever server is running then.
 */
function serverBetween(setUp: Hook, tearDown: Hook): { current?: TestServer } {
  const held: { current?: TestServer } = {};
  setUp(async () => {
    held.current = await startTestServer();
  });
  tearDown(async () => {
    await held.current?.stop();
    if (held.current) removeDir(held.current.dataDir);
  });
  return held;
}

/** A fresh server with disk storage and SQLite for every test, stopped and removed after it. */
export function serverPerTest(): ServerPerTest {
  const held = serverBetween(beforeEach, afterEach);
  return {
    get ferry() {
      return held.current!;
    },
    async restart() {
      await held.current!.stop();
      held.current = await startTestServer({ dataDir: held.current!.dataDir });
      return held.current;
    },
  };
}

/**
 * One server with disk storage and SQLite for the whole suite: started before its first test, stopped and
 * removed after its last. The handle stands for that server, so tests use it as they would a TestServer;
 * it may only be used inside tests and hooks, once the server is started.
 */
export function serverPerSuite(): TestServer {
  const held = serverBetween(beforeAll, afterAll);
  const started = (): TestServer => {
    if (!held.current) throw new Error('the suite server is used before beforeAll started it');
    return held.current;
  };
  return {
    get app() {
      return started().app;
    },
    get server() {
      return started().server;
    },
    get address() {
      return started().address;
    },
    get dataDir() {
      return started().dataDir;
    },
    connect: (options) => started().connect(options),
    stop: () => started().stop(),
  };
}
