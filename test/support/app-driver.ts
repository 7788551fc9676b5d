import { Application, PortOverrides, startApplication } from '../../src/app/composition-root';
import { DEFAULT_CONFIG } from '../../src/app/config';
import { EventOrigin } from '../../src/domain/events';
import { FileName } from '../../src/domain/names';
import { silentLogger } from './silent-logger';

/** The application with memory adapters, driven through its handlers as a transport would. */
export async function startMemoryApp(overrides: PortOverrides = {}): Promise<Application> {
  const config = { ...DEFAULT_CONFIG, store: 'memory' as const };
  return startApplication(config, { logger: silentLogger, ...overrides });
}

export async function openSession(app: Application, remote = '127.0.0.1:1'): Promise<EventOrigin> {
  return app.handlers.sessions.open(remote, { protocol: 1 });
}

/** Uploads bytes through the upload use case, chunk by chunk. */
export async function uploadBytes(
  app: Application,
  origin: EventOrigin,
  name: string,
  bytes: Buffer,
  guards: { ifVersion?: number; requestId?: string; sha256?: string } = {},
) {
  const transfer = await app.handlers.upload.begin(origin, {
    name: name as FileName,
    size: bytes.length,
    ...guards,
  });
  for (let offset = 0; offset < bytes.length; offset += 7)
    await transfer.write(bytes.subarray(offset, offset + 7));
  return transfer.finish();
}
