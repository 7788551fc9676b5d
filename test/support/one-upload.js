'use strict';
/**
 * The scenario the crash-point test traces: on a data folder that already holds a file, start Ferry (the
 * built application, dist/), upload one file, wait until the upload is acknowledged (its event durable),
 * close. Markers go into the system-call trace as stat calls of paths that do not exist, so the test knows
 * where the upload began, where it was acknowledged and where the process ended.
 * Usage: node one-upload.js <dataDir> <name> <size> [checkpointEvents]
 */
require('reflect-metadata');
const { statSync } = require('node:fs');
const { startApplication } = require('../../dist/app/composition-root');
const { DEFAULT_CONFIG } = require('../../dist/app/config');

const [dataDir, name, size, checkpointEvents = '1000'] = process.argv.slice(2);
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function marker(label) {
  try {
    statSync(`/ferry-crash-marker/${label}`);
  } catch {
    // It never exists: the failed call in the trace is the marker.
  }
}

/** Bytes that say where they are, so a block in the wrong place shows. */
function bodyOf(length) {
  const body = Buffer.alloc(length);
  for (let offset = 0; offset + 8 <= length; offset += 8) body.writeUInt32BE(offset, offset + 4);
  return body;
}

async function main() {
  const config = { ...DEFAULT_CONFIG, dataDir, checkpointEvents: Number(checkpointEvents) };
  const app = await startApplication(config, { logger: silent });
  const origin = await app.handlers.sessions.open('127.0.0.1:1', { protocol: 1 });
  await app.ledger.drain();
  const body = bodyOf(Number(size));
  marker('BEGIN');
  const transfer = await app.handlers.upload.begin(origin, { name, size: body.length });
  for (let offset = 0; offset < body.length; offset += 64 * 1024) {
    await transfer.write(body.subarray(offset, offset + 64 * 1024));
  }
  const result = await transfer.finish();
  if (!result.ok) throw new Error(result.error.message);
  await app.ledger.drain();
  marker('ACKNOWLEDGED');
  await app.close();
  marker('END');
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
