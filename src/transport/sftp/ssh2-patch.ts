import { SFTPWrapper } from 'ssh2';

/**
 * What `patches/ssh2+1.17.0.patch` (applied by `npm install`, through patch-package) adds to ssh2's SFTP
 * server, and why:
 * - extensions in the VERSION reply, and EXTENDED_REPLY: OpenSSH's `sftp` asks for `limits@openssh.com`
 *   and, told 255 KiB, reads 255 KiB a request instead of 32 KiB (8 times fewer requests, and SSH packets
 *   filled whole);
 * - a DATA reply taken as a list of buffers, sent into the SSH packets without first being copied into
 *   one, and saying when it had to wait for the channel's window (then `drain` follows);
 * - a `window` event each time the client opens its window, so that replies can be paced to it;
 * - outgoing SSH packets from a free list, given back once the socket has written them;
 * - the random padding of each SSH packet drawn from a pool refilled in bulk, not one `randomFillSync`
 *   per packet.
 * Measured on a 256 MiB get with OpenSSH's sftp: the server's CPU fell from about 1.45 s to 0.85 s, most
 * of it copies and garbage collection (docs/SFTP.md).
 */
declare module 'ssh2' {
  interface SFTPWrapper {
    /** The extensions the VERSION reply advertises (name to data); set before the client's INIT. */
    advertiseExtensions(extensions: Readonly<Record<string, string>>): void;
    /** SSH_FXP_EXTENDED_REPLY: the answer to an extension's request. */
    extendedReply(reqID: number, data: Buffer): void;
    /**
     * A DATA reply of these buffers, which must not change until sent. False when it waits for the
     * channel's window: `drain` is emitted once every waiting reply has gone.
     */
    data(reqID: number, data: readonly Buffer[]): boolean;
    /** ssh2's own (unpatched) record of the channel: `window` is what the client still lets it send. */
    readonly outgoing: { readonly window: number; readonly state: string };
  }
}

interface Ssh2SftpModule {
  readonly SFTP: { readonly prototype: Partial<SFTPWrapper> };
}
interface Ssh2UtilsModule {
  readonly BufferList?: unknown;
}

/**
 * Fails at once, with the remedy, if ssh2 was installed without the patch (`npm install
 * --ignore-scripts`, say): the SFTP server would otherwise fail at its first session.
 */
export function assertSsh2Patched(): void {
  // ssh2's own module, loaded the way ssh2 loads it: the class its server hands out.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as Ssh2SftpModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BufferList } = require('ssh2/lib/protocol/utils.js') as Ssh2UtilsModule;
  const methods = ['advertiseExtensions', 'extendedReply'] as const;
  if (methods.some((method) => typeof SFTP.prototype[method] !== 'function') || BufferList === undefined) {
    throw new Error(
      'ssh2 lacks the patch in patches/ (installed with --ignore-scripts?): run `npx patch-package`',
    );
  }
}
