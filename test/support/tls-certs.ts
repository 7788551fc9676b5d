import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedCertificate, SelfSignedCertificate } from '../../bench/lib/tls-certificate';

/** A throwaway self-signed certificate for localhost and 127.0.0.1; its own CA. */
export interface TestCertificate extends SelfSignedCertificate {
  /** As `getPeerCertificate().fingerprint256` gives it. */
  readonly fingerprint256: string;
}

/** Makes a P-256 certificate valid for two days with the `openssl` command, as `<name>.crt` and `<name>.key`. */
export function makeCertificate(dir: string, name = 'server'): TestCertificate {
  const certificate = makeSelfSignedCertificate(dir, name);
  return { ...certificate, fingerprint256: new X509Certificate(certificate.pem).fingerprint256 };
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
