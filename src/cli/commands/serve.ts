import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG, FerryConfig, StoreKind } from '../../app/config';
import type { FerryServer } from '../../transport/ferry-server';
import { DEFAULT_SERVER_OPTIONS } from '../../transport/server-options';
import type { SftpServer } from '../../transport/sftp/sftp-server';
import { Logger } from '../../domain/ports/logger.port';
import { applyConfigFile } from '../config-file';
import { loadApplication } from '../lazy-app';
import { collect, parsePort, parsePositiveInteger, parseWholeNumber } from '../options';
import { stopOnSignalOrFailure } from '../shutdown';
import {
  addSecurityOptions,
  allowances,
  checkExposure,
  SecurityOptions,
  securityConfig,
} from '../serve-security';

interface ServeOptions extends SecurityOptions {
  readonly host: string;
  readonly port: number;
  readonly data: string;
  readonly store: StoreKind;
  readonly fsync: boolean;
  readonly logLevel: string;
  readonly checkpointEvents: number;
  readonly checkpointSeconds: number;
  readonly idleTimeout: number;
  readonly shutdownGrace: number;
  readonly logOrigin?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly sftpPort?: number;
  readonly sftpHost?: string;
  readonly witness?: readonly string[];
  readonly config?: string;
}

/** How long transfers in hand may take to finish after SIGTERM. */
const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;

export function registerServe(program: Command): void {
  const serve = program
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
      new Option(
        '--no-fsync',
        "answer an upload before its bytes reach the disk (an FTP server's durability: faster, but a power cut can lose files)",
      ).env('FERRY_NO_FSYNC'),
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
    .addOption(
      new Option(
        '--log-origin <name>',
        "the audit log's name in its checkpoints, given once when the log is made (default: from its key)",
      ).env('FERRY_LOG_ORIGIN'),
    )
    .addOption(
      new Option('--shutdown-grace <s>', 'on SIGTERM, let transfers finish for this long before cutting them')
        .env('FERRY_SHUTDOWN_GRACE')
        .default(DEFAULT_SHUTDOWN_GRACE_SECONDS)
        .argParser(parseWholeNumber),
    )
    .addOption(
      new Option('--tls-cert <file>', 'PEM certificate (chain): serve over TLS; SIGHUP reloads it').env(
        'FERRY_TLS_CERT',
      ),
    )
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert').env('FERRY_TLS_KEY'))
    .addOption(
      new Option('--sftp-port <port>', 'also serve SFTP (SSH) on this port; 0 picks a free one')
        .env('FERRY_SFTP_PORT')
        .argParser(parsePort),
    )
    .addOption(
      new Option('--sftp-host <host>', 'address to bind SFTP to (default: --host)').env('FERRY_SFTP_HOST'),
    )
    .addOption(
      new Option(
        '--witness <url=verifier-key>',
        'submit every checkpoint to this witness and keep its cosignatures (`ferry witness key`); repeatable',
      )
        .env('FERRY_WITNESSES')
        .argParser(collect),
    );
  addSecurityOptions(serve).action(async (given: ServeOptions, command: Command) => {
    if (given.config !== undefined) applyConfigFile(command, given.config);
    const options = command.opts<ServeOptions>();
    let allowed: ReturnType<typeof allowances>;
    try {
      allowed = allowances(options);
    } catch (error) {
      return command.error(`error: ${(error as Error).message}`, { exitCode: 2 });
    }
    const config: FerryConfig = {
      host: options.host,
      port: options.port,
      dataDir: options.data,
      store: options.store,
      fsync: options.fsync,
      logLevel: options.logLevel,
      checkpointEvents: options.checkpointEvents,
      checkpointSeconds: options.checkpointSeconds,
      ...(options.logOrigin === undefined ? {} : { logOrigin: options.logOrigin }),
      ...(options.witness === undefined ? {} : { witnesses: options.witness }),
      ...securityConfig(options.host, options, allowed),
    };
    if ((options.tlsCert === undefined) !== (options.tlsKey === undefined))
      command.error('error: --tls-cert and --tls-key go together: give both or neither', { exitCode: 2 });
    const tls =
      options.tlsCert !== undefined && options.tlsKey !== undefined
        ? { certFile: options.tlsCert, keyFile: options.tlsKey }
        : undefined;
    // Loaded here, not at the top: every other command starts without the server's modules.
    const { sftpHostKey, startApplication } = await loadApplication();
    const { FerryServer } = await import('../../transport/ferry-server');
    const { SftpServer } = await import('../../transport/sftp/sftp-server');
    const app = await startApplication(config);
    const accounts = app.ledger.catalogue.accounts.count;
    const exposure = checkExposure(config.host, tls !== undefined, accounts, allowed);
    if (exposure.refusal !== undefined) {
      await app.close();
      process.stderr.write(`ferry: ${exposure.refusal}\n`);
      process.exit(2);
    }
    const warnings = config.fsync
      ? exposure.warnings
      : [...exposure.warnings, '--no-fsync: uploads are answered before their bytes reach the disk'];
    for (const warning of warnings) {
      process.stderr.write(`ferry: ${warning}\n`);
      app.logger.warn(warning);
    }
    let server: FerryServer;
    try {
      server = new FerryServer(app, {
        idleTimeoutMs: options.idleTimeout * 1000,
        loginTimeoutMs: options.loginTimeout * 1000,
        lineTimeoutMs: options.lineTimeout * 1000,
        tls,
      });
    } catch (error) {
      // Unusable TLS files: release the data folder before the error is reported.
      await app.close();
      throw error;
    }
    let sftp: SftpServer | undefined;
    if (options.sftpPort !== undefined) {
      try {
        sftp = new SftpServer(app, {
          hostKey: sftpHostKey(config),
          idleTimeoutMs: options.idleTimeout * 1000,
          loginTimeoutMs: options.loginTimeout * 1000,
        });
      } catch (error) {
        await app.close();
        throw error;
      }
    }
    const bound = await server.listen(config);
    const sftpBound = await sftp?.listen({
      host: options.sftpHost ?? config.host,
      port: options.sftpPort ?? 0,
    });
    const storage =
      config.store === 'disk'
        ? `disk storage in ${resolve(config.dataDir)}`
        : 'memory storage (nothing kept)';
    // The SFTP server first: the native one closes the application once its own sessions are done.
    stopOnSignalOrFailure(sftp ? [sftp, server] : [server], app, options.shutdownGrace * 1000);
    if (server.tls) process.on('SIGHUP', () => reloadCertificate(server, app.logger));
    // Announced only once the signals are handled, so whoever reads the line may stop the server at once.
    process.stdout.write(
      `Ferry listening on ${bound.address}:${bound.port} with ${server.tls ? 'TLS and ' : ''}${storage}\n`,
    );
    if (sftp && sftpBound) {
      process.stdout.write(
        `Ferry SFTP listening on ${sftpBound.address}:${sftpBound.port}, host key ${sftp.fingerprint}\n`,
      );
      if (accounts === 0) {
        const warning =
          'SFTP needs an account: every SFTP login fails until one is added with "ferry user add"';
        process.stderr.write(`ferry: ${warning}\n`);
        app.logger.warn(warning);
      }
    }
  });
}

/** SIGHUP: new connections get the certificate now in the files; bad files leave the old one in use. */
function reloadCertificate(server: FerryServer, logger: Logger): void {
  try {
    const certificate = server.reloadTls();
    logger.info('TLS certificate reloaded', { ...certificate });
  } catch (error) {
    logger.error('TLS certificate reload failed; the previous certificate stays in use', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
