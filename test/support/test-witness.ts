import { openWitness, WitnessApplication } from '../../src/app/composition-root';
import { Logger } from '../../src/domain/ports/logger.port';
import { WitnessHttpServer } from '../../src/transport/witness/witness-http-server';
import { silentLogger } from './silent-logger';

export interface TestWitness {
  readonly app: WitnessApplication;
  /** Its submission prefix, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A witness on 127.0.0.1 (port 0 unless told), in this process, over real HTTP and a real key folder. */
export async function startTestWitness(
  keyDir: string,
  logs: readonly string[],
  options: { port?: number; name?: string; logger?: Logger } = {},
): Promise<TestWitness> {
  const app = openWitness(
    { keyDir, logs, logLevel: 'error', ...(options.name === undefined ? {} : { name: options.name }) },
    options.logger ?? silentLogger,
  );
  const server = new WitnessHttpServer(app.service, app.logger);
  let bound;
  try {
    bound = await server.listen(options.port ?? 0, '127.0.0.1');
  } catch (error) {
    app.close();
    throw error;
  }
  return {
    app,
    url: `http://127.0.0.1:${bound.port}`,
    port: bound.port,
    stop: async () => {
      await server.close();
      app.close();
    },
  };
}
