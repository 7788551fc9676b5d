import { createHash } from 'node:crypto';

/** baselines.sh's sha.js: prints the ns spent hashing a 1 GiB buffer in 1 MiB chunks. */
const total = 1 << 30;
const chunk = 1 << 20;
const buffer = Buffer.alloc(total, 0x5a);
const started = process.hrtime.bigint();
const hash = createHash('sha256');
for (let offset = 0; offset < total; offset += chunk) hash.update(buffer.subarray(offset, offset + chunk));
hash.digest();
process.stdout.write(`${process.hrtime.bigint() - started}\n`);
