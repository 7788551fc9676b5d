import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { startApplication } from '../../app/composition-root';
import { DEFAULT_CONFIG, FerryConfig, StoreKind } from '../../app/config';
import { DEFAULT_SERVER_OPTIONS, FerryServer } from '../../transport/ferry-server';
import { applyConfigFile } from '../config-file';

interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly data: string;
  readonly store: StoreKind;
  readonly logLevel: string;
  readonly checkpointEvents: number;
  readonly checkpointSeconds: number;
  readonly idleTimeout: number;
  readonly config?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535)
    throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return port;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1');
  return number;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a Ferry server (flags win over FERRY_* variables, which win over --config)')
    .addOption(
      new Option('--config <file>', 'JSON file of settings, keyed by option name').env('FERRY_CONFIG'),
    )
    .addOption(new Option('--host <host>', 'address to bind').env('FERRY_HOST').default(DEFAULT_CONFIG.host))
    .addOption(
      new Option('--port <port>', 'port to bind; 0 picks a free one')
        .env('FERRY_PORT')
        .default(DEFAULT_CONFIG.port)
        .argParser(parsePort),
    )
    .addOption(
      new Option('--data <dir>', 'data folder: audit log and file bytes')
        .env('FERRY_DATA')
        .default(DEFAULT_CONFIG.dataDir),
    )
    .addOption(
      new Option('--store <kind>', 'where file bytes live')
        .env('FERRY_STORE')
        .choices(['disk', 'memory'])
        .default(DEFAULT_CONFIG.store),
    )
    .addOption(
      new Option('--log-level <level>', 'log verbosity (JSON lines on stderr)')
        .env('FERRY_LOG_LEVEL')
        .choices(['error', 'warn', 'info', 'debug'])
        .default(DEFAULT_CONFIG.logLevel),
    )
    .addOption(
      new Option('--checkpoint-events <n>', 'sign a checkpoint of the audit log after this many events')
        .env('FERRY_CHECKPOINT_EVENTS')
        .default(DEFAULT_CONFIG.checkpointEvents)
        .argParser(parsePositiveInteger),
    )
    .addOption(
      new Option('--checkpoint-seconds <s>', '...or after this many seconds, whichever comes first')
        .env('FERRY_CHECKPOINT_SECONDS')
        .default(DEFAULT_CONFIG.checkpointSeconds)
        .argParser(parsePositiveInteger),
    )
    .addOption(
      new Option('--idle-timeout <s>', 'close a connection that sends and accepts nothing for this long')
        .env('FERRY_IDLE_TIMEOUT')
        .default(DEFAULT_SERVER_OPTIONS.idleTimeoutMs / 1000)
        .argParser(parsePositiveInteger),
    )
    .action(async (given: ServeOptions, command: Command) => {
      if (given.config !== undefined) applyConfigFile(command, given.config);
      const options = command.opts<ServeOptions>();
      const config: FerryConfig = {
        host: options.host,
        port: options.port,
        dataDir: options.data,
        store: options.store,
        logLevel: options.logLevel,
        snapshotEvery: DEFAULT_CONFIG.snapshotEvery,
        checkpointEvents: options.checkpointEvents,
        checkpointSeconds: options.checkpointSeconds,
      };
      const app = await startApplication(config);
      const server = new FerryServer(app, { idleTimeoutMs: options.idleTimeout * 1000 });
      const bound = await server.listen(config);
      const storage =
        config.store === 'disk'
          ? `disk storage in ${resolve(config.dataDir)}`
          : 'memory storage (nothing kept)';
      const stop = (signal: string) => {
        app.logger.info('shutting down', { signal });
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            app.logger.error('shutdown failed', { error: String(error) });
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      // Announced only once the signals are handled, so whoever reads the line may stop the server at once.
      process.stdout.write(`Ferry listening on ${bound.address}:${bound.port} with ${storage}\n`);
    });
}
