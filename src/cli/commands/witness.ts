import { Command, Option } from 'commander';
import { loadApplication } from '../lazy-app';
import { collect, parsePort } from '../options';

interface WitnessServeOptions {
  readonly host: string;
  readonly port: number;
  readonly keyDir: string;
  readonly name?: string;
  readonly log: readonly string[];
  readonly logLevel: string;
}

const DEFAULT_WITNESS_PORT = 5457;

function keyDirOption(): Option {
  return new Option('--key-dir <dir>', "the witness's key and what it has cosigned")
    .env('FERRY_WITNESS_KEY_DIR')
    .makeOptionMandatory();
}

function nameOption(): Option {
  return new Option('--name <name>', 'the name it cosigns under, given once (default: from its key)');
}

/**
 * `ferry witness serve | key`: a C2SP tlog-witness for Ferry logs (or any log of Ed25519 checkpoints), to
 * run on another machine than the logs it watches, under another operator.
 */
export function registerWitness(program: Command): void {
  const witness = program
    .command('witness')
    .description(
      'run a witness that cosigns checkpoints of the logs it knows, only if each extends the last',
    );

  witness
    .command('serve')
    .description('serve C2SP tlog-witness add-checkpoint over HTTP')
    .addOption(new Option('--host <host>', 'address to bind').env('FERRY_WITNESS_HOST').default('127.0.0.1'))
    .addOption(
      new Option('--port <port>', 'port to bind; 0 picks a free one')
        .env('FERRY_WITNESS_PORT')
        .default(DEFAULT_WITNESS_PORT)
        .argParser(parsePort),
    )
    .addOption(keyDirOption())
    .addOption(nameOption())
    .option(
      '--log <origin=verifier-key>',
      'a log to witness and a key its checkpoints may be signed with (`ferry audit key --note`); repeatable',
      collect,
      [],
    )
    .addOption(
      new Option('--log-level <level>', 'log verbosity (JSON lines on stderr)')
        .choices(['error', 'warn', 'info', 'debug'])
        .default('info'),
    )
    .action(async (options: WitnessServeOptions, command: Command) => {
      if (options.log.length === 0) {
        command.error('error: name at least one log to witness with --log <origin>=<verifier key>', {
          exitCode: 2,
        });
      }
      const { openWitness } = await loadApplication();
      const { WitnessHttpServer } = await import('../../transport/witness/witness-http-server');
      const app = openWitness({ ...options, logs: options.log });
      const server = new WitnessHttpServer(app.service, app.logger);
      let bound;
      try {
        bound = await server.listen(options.port, options.host);
      } catch (error) {
        app.close();
        throw error;
      }
      const stop = () => {
        void server.close().finally(() => {
          app.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stdout.write(
        `Ferry witness ${app.name} listening on http://${bound.address}:${bound.port}\n` +
          `verifier key ${app.verifierKey}\n`,
      );
    });

  witness
    .command('key')
    .description("print the witness's verifier key (made, with its name, if the key folder is new)")
    .addOption(keyDirOption())
    .addOption(nameOption())
    .action(async (options: { keyDir: string; name?: string }) => {
      const { witnessKeyOf } = await loadApplication();
      process.stdout.write(`${witnessKeyOf(options.keyDir, options.name)}\n`);
    });
}
