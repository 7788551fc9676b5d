import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway self-signed certificate for localhost and 127.0.0.1; its own CA. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM: what a client trusts as its CA. */
  readonly pem: Buffer;
  /** As `getPeerCertificate().fingerprint256` gives it. */
  readonly fingerprint256: string;
}

/** Makes a P-256 certificate valid for two days with the `openssl` command, as `<name>.crt` and `<name>.key`. */
export function makeCertificate(dir: string, name = 'server'): TestCertificate {
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
  const pem = readFileSync(certFile);
  return { certFile, keyFile, pem, fingerprint256: new X509Certificate(pem).fingerprint256 };
}

export interface CertificateFolder {
  /** The temporary folder the certificates live in. */
  readonly dir: string;
  /** The certificate made for the suite. */
  readonly first: TestCertificate;
  make(name: string): TestCertificate;
}

/** A temporary folder with one certificate, made once before the suite's tests and removed after them. */
export function certificatesPerSuite(): CertificateFolder {
  const state: { dir?: string; first?: TestCertificate } = {};
  beforeAll(() => {
    state.dir = mkdtempSync(join(tmpdir(), 'ferry-tls-'));
    state.first = makeCertificate(state.dir);
  });
  afterAll(() => {
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return state.dir!;
    },
    get first() {
      return state.first!;
    },
    make: (name) => makeCertificate(state.dir!, name),
  };
}
