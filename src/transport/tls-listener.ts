import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, createServer, SecureContextOptions, Server, TLSSocket } from 'node:tls';

/** Where the listener's certificate (chain) and private key are, both PEM. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** What a certificate says about itself, for the log line after a (re)load. */
export interface TlsCertificateInfo {
  readonly subject: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

export const TLS_MIN_VERSION = 'TLSv1.2';

interface LoadedCredentials {
  readonly options: SecureContextOptions;
  readonly info: TlsCertificateInfo;
}

/**
 * Reads and checks the PEM files: each must parse, and the key must belong to the certificate. Throws an
 * Error naming the file at fault, so a reload with bad files can leave the working certificate in place.
 */
function loadCredentials(files: TlsFiles): LoadedCredentials {
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`TLS certificate ${files.certFile} is not a PEM certificate: ${message(error)}`);
  }
  try {
    createPrivateKey(key);
  } catch (error) {
    throw new Error(`TLS key ${files.keyFile} is not a PEM private key: ${message(error)}`);
  }
  const options: SecureContextOptions = { cert, key, minVersion: TLS_MIN_VERSION };
  try {
    // Builds the context once to catch what parsing alone does not, a key that is not the certificate's.
    createSecureContext(options);
  } catch (error) {
    throw new Error(`TLS key ${files.keyFile} does not fit certificate ${files.certFile}: ${message(error)}`);
  }
  return {
    options,
    info: {
      subject: certificate.subject.replace(/\n/g, ', '),
      validTo: certificate.validTo,
      fingerprint256: certificate.fingerprint256,
    },
  };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read TLS ${what} file ${path}: ${message(error)}`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A TLS listener whose certificate can be replaced while it runs. Connections are handed over once their
 * handshake is done; a TLSSocket is a net.Socket, so whatever serves plain connections serves these.
 */
export class TlsListener {
  readonly server: Server;

  /** Throws if the files are unusable. */
  constructor(
    private readonly files: TlsFiles,
    options: { allowHalfOpen: boolean },
    onSecureConnection: (socket: TLSSocket) => void,
  ) {
    const loaded = loadCredentials(files);
    this.server = createServer(
      { ...loaded.options, allowHalfOpen: options.allowHalfOpen },
      onSecureConnection,
    );
  }

  /**
   * Re-reads the files; connections accepted from now on get the new certificate, open ones carry on.
   * Throws, keeping the certificate in use, when the new files are unusable.
   */
  reload(): TlsCertificateInfo {
    const loaded = loadCredentials(this.files);
    this.server.setSecureContext(loaded.options);
    return loaded.info;
  }
}
