import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSignedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM: self-signed, so it is also the CA a client trusts. */
  readonly pem: Buffer;
}

/**
 * A throwaway self-signed P-256 certificate for 127.0.0.1 and localhost, valid for two days, made with the
 * `openssl` command as `<dir>/<name>.crt` and `<dir>/<name>.key`. Jest-free: test/support/tls-certs.ts
 * builds on it too.
 */
export function makeSelfSignedCertificate(dir: string, name = 'server'): SelfSignedCertificate {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  // Note: we rely on the `openssl` command being installed (.ci/run installs it on a bare machine).
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
