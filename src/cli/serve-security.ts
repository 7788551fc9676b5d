import { Command, InvalidArgumentError, Option } from 'commander';
import { isIP } from 'node:net';
import { DEFAULT_BAN_POLICY } from '../domain/address-bans';
import { DEFAULT_CONNECTION_LIMITS } from '../app/connection-limits';
import { FerryConfig } from '../app/config';
import { DEFAULT_UPLOAD_LIMITS } from '../app/upload-limits';
import { DEFAULT_SERVER_OPTIONS } from '../transport/server-options';
import { environmentFlag, parseByteSize, parsePositiveInteger } from './options';

/** The security settings of `ferry serve`, as commander hands them over. */
export interface SecurityOptions {
  readonly allowAnonymous?: boolean;
  readonly allowPlaintext?: boolean;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly loginTimeout: number;
  readonly lineTimeout: number;
  readonly maxFileSize: number;
  readonly spaceReserve: number;
  readonly heldUploadHours: number;
  readonly banFailures: number;
  readonly banWindow: number;
  readonly banTime: number;
  readonly banSafelist: string[];
}

function addresses(value: string): string[] {
  const list = value
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  const bad = list.find((address) => isIP(address) === 0);
  if (bad !== undefined) throw new InvalidArgumentError(`not an IP address: ${bad}`);
  return list;
}

function option(
  flags: string,
  description: string,
  env: string,
  fallback: unknown,
  parse?: (v: string) => unknown,
) {
  const made = new Option(flags, description).env(env).default(fallback);
  return parse ? made.argParser(parse) : made;
}

export function addSecurityOptions(command: Command): Command {
  return (
    command
      // Read from the environment by `allowances`, so FERRY_ALLOW_*=0 means no, as it reads.
      .addOption(
        new Option('--allow-anonymous', 'off loopback, serve without accounts (FERRY_ALLOW_ANONYMOUS=1)'),
      )
      .addOption(new Option('--allow-plaintext', 'off loopback, serve without TLS (FERRY_ALLOW_PLAINTEXT=1)'))
      .addOption(
        option(
          '--max-connections <n>',
          'connections served at once',
          'FERRY_MAX_CONNECTIONS',
          DEFAULT_CONNECTION_LIMITS.maxConnections,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--max-connections-per-address <n>',
          'connections from one address at once',
          'FERRY_MAX_CONNECTIONS_PER_ADDRESS',
          DEFAULT_CONNECTION_LIMITS.maxConnectionsPerAddress,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--login-timeout <s>',
          'seconds from greeting to login',
          'FERRY_LOGIN_TIMEOUT',
          DEFAULT_SERVER_OPTIONS.loginTimeoutMs / 1000,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--line-timeout <s>',
          'seconds a begun request line has to end',
          'FERRY_LINE_TIMEOUT',
          DEFAULT_SERVER_OPTIONS.lineTimeoutMs / 1000,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--max-file-size <bytes>',
          'largest upload, e.g. 64G',
          'FERRY_MAX_FILE_SIZE',
          DEFAULT_UPLOAD_LIMITS.maxFileSize,
          parseByteSize,
        ),
      )
      .addOption(
        option(
          '--space-reserve <bytes>',
          'free space uploads must leave on the data folder, e.g. 256M',
          'FERRY_SPACE_RESERVE',
          DEFAULT_UPLOAD_LIMITS.spaceReserve,
          parseByteSize,
        ),
      )
      .addOption(
        option(
          '--held-upload-hours <h>',
          'hours an interrupted upload stays resumable after its last attempt',
          'FERRY_HELD_UPLOAD_HOURS',
          DEFAULT_UPLOAD_LIMITS.heldHours,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--ban-failures <n>',
          'failed logins from one address that ban it',
          'FERRY_BAN_FAILURES',
          DEFAULT_BAN_POLICY.maxFailures,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--ban-window <s>',
          'seconds within which those failures count',
          'FERRY_BAN_WINDOW',
          DEFAULT_BAN_POLICY.windowMs / 1000,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--ban-time <s>',
          'seconds of a first ban; each repeat doubles it (at most a day)',
          'FERRY_BAN_TIME',
          DEFAULT_BAN_POLICY.banMs / 1000,
          parsePositiveInteger,
        ),
      )
      .addOption(
        option(
          '--ban-safelist <addresses>',
          'comma-separated addresses never banned',
          'FERRY_BAN_SAFELIST',
          [],
          addresses,
        ),
      )
  );
}

/** Loopback addresses and names: only processes on this machine can reach them. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The two overrides, from the flags or from FERRY_ALLOW_ANONYMOUS / FERRY_ALLOW_PLAINTEXT. */
export function allowances(
  options: SecurityOptions,
): Pick<SecurityOptions, 'allowAnonymous' | 'allowPlaintext'> {
  return {
    allowAnonymous: options.allowAnonymous === true || environmentFlag('FERRY_ALLOW_ANONYMOUS'),
    allowPlaintext: options.allowPlaintext === true || environmentFlag('FERRY_ALLOW_PLAINTEXT'),
  };
}

export function securityConfig(
  host: string,
  options: SecurityOptions,
  allowed: Pick<SecurityOptions, 'allowAnonymous'>,
): Pick<FerryConfig, 'allowAnonymous' | 'bans' | 'connections' | 'uploads'> {
  return {
    allowAnonymous: isLoopback(host) || allowed.allowAnonymous === true,
    bans: {
      maxFailures: options.banFailures,
      windowMs: options.banWindow * 1000,
      banMs: options.banTime * 1000,
      safelist: options.banSafelist,
    },
    connections: {
      maxConnections: options.maxConnections,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress,
    },
    uploads: {
      maxFileSize: options.maxFileSize,
      spaceReserve: options.spaceReserve,
      heldHours: options.heldUploadHours,
    },
  };
}

/**
 * Whether the server may start as configured. Off loopback it needs TLS and accounts, unless the operator
 * said otherwise; what was allowed is returned as warnings to repeat loudly at every start.
 */
export function checkExposure(
  host: string,
  tls: boolean,
  accounts: number,
  options: Pick<SecurityOptions, 'allowAnonymous' | 'allowPlaintext'>,
): { readonly refusal?: string; readonly warnings: string[] } {
  const warnings: string[] = [];
  if (isLoopback(host)) {
    if (accounts === 0)
      warnings.push(
        `no accounts: serving anonymously to anyone on this machine (add one with "ferry user add")`,
      );
    return { warnings };
  }
  if (!tls) {
    if (!options.allowPlaintext) {
      return {
        refusal: `refusing to serve on ${host} without TLS: pass --tls-cert and --tls-key, or --allow-plaintext to accept passwords and files crossing the network readable`,
        warnings,
      };
    }
    warnings.push(`WARNING: --allow-plaintext: passwords and files cross the network to ${host} unencrypted`);
  }
  if (accounts === 0) {
    if (!options.allowAnonymous) {
      return {
        refusal: `refusing to serve on ${host} without accounts: add one first with "ferry user add <name> --role admin --data <dir>", or pass --allow-anonymous to let anyone who reaches the port read, write and delete`,
        warnings,
      };
    }
    warnings.push(
      `WARNING: --allow-anonymous: anyone who reaches ${host} may read, write and delete every file`,
    );
  }
  return { warnings };
}
