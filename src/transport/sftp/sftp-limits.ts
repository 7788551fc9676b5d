/**
 * OpenSSH's `limits@openssh.com` extension: a client that sees it advertised asks for the server's limits
 * and sizes its requests to them. Without it OpenSSH's `sftp` reads 32 KiB a request; told 255 KiB it
 * sends 8 times fewer READs, and each reply fills whole SSH packets.
 */
export const LIMITS_EXTENSION = 'limits@openssh.com';

/** The largest SFTP packet ssh2 takes from a client (its `OPENSSH_MAX_PKT_LEN`). */
export const MAX_PACKET = 256 * 1024;

/**
 * The most data a READ is answered with: a packet's size less room for its header, as OpenSSH's own
 * sftp-server says. A READ for more is answered short, which clients take for "ask again from there".
 */
export const MAX_READ = MAX_PACKET - 1024;

/**
 * The WRITE size clients are asked to keep to (a larger one is still taken, up to MAX_PACKET). Not 255
 * KiB: measured on a 1 GiB put, 255 KiB writes were 30 % faster but left the server 14 MiB larger, and
 * the get after it over the 150 MiB the server must stay under. OpenSSH writes 32 KiB unless told.
 */
export const MAX_WRITE = 32 * 1024;

/** The extension's reply: max-packet-length, max-read-length, max-write-length, max-open-handles. */
export function limitsReply(maxOpenHandles: number): Buffer {
  const reply = Buffer.alloc(4 * 8);
  [MAX_PACKET, MAX_READ, MAX_WRITE, maxOpenHandles].forEach((limit, i) =>
    reply.writeBigUInt64BE(BigInt(limit), i * 8),
  );
  return reply;
}
