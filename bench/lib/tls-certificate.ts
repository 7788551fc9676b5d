import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM: self-signed, so it is also the CA a client trusts. */
  readonly pem: Buffer;
}

/**
 * A throwaway self-signed P-256 certificate for 127.0.0.1 and localhost, made with the `openssl` command
 * as test/support/tls-certs.ts makes them (that file needs jest, so it is not imported here).
 */
export function makeBenchCertificate(dir: string): BenchCertificate {
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile, pem: readFileSync(certFile) };
}
