'use strict';
/**
 * Drives the built application (dist/) on a data folder, and kills itself with SIGKILL (no cleanup, as a
 * power cut or OOM kill would) just before its Nth SQLite step: every statement run or read, and every
 * BEGIN / COMMIT. With N = 0 it runs to the end and prints, as JSON, how many steps there were and which
 * of them began and committed a batch.
 * Usage: node crash-writer.js <dataDir> <N>
 */
require('reflect-metadata');
const Database = require('better-sqlite3');
const { startApplication } = require('../../dist/app/composition-root');
const { DEFAULT_CONFIG } = require('../../dist/app/config');

const dataDir = process.argv[2];
const crashAt = Number(process.argv[3]);
let steps = 0;
/** The steps that began and ended each transaction of the writer's batches. */
const begins = [];
const commits = [];

function step() {
  steps++;
  if (steps === crashAt) process.kill(process.pid, 'SIGKILL');
}

const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
for (const method of ['run', 'get', 'all']) {
  const original = statement[method];
  statement[method] = function counted(...args) {
    step();
    return original.apply(this, args);
  };
}
const exec = Database.prototype.exec;
Database.prototype.exec = function counted(sql) {
  step();
  if (sql.startsWith('BEGIN')) begins.push(steps);
  if (sql.startsWith('COMMIT')) commits.push(steps);
  return exec.call(this, sql);
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function upload(app, origin, name, text, guards = {}) {
  const bytes = Buffer.from(text);
  const transfer = await app.handlers.upload.begin(origin, { name, size: bytes.length, ...guards });
  await transfer.write(bytes);
  return transfer.finish();
}

async function main() {
  const config = { ...DEFAULT_CONFIG, dataDir, store: 'disk', checkpointEvents: 3 };
  const app = await startApplication(config, { logger: silent });
  const origin = await app.handlers.sessions.open('127.0.0.1:5000', { protocol: 1 });
  // Batches of several events each (group commit), touching files, request ids, usage and bans; each
  // batch committed before the next begins, as a server's replies wait for them.
  await app.ledger.drain();
  await Promise.all([
    upload(app, origin, 'a.txt', 'one', { requestId: 'r1' }),
    upload(app, origin, 'b.txt', 'two'),
    app.handlers.login.execute(origin, 'nobody', 'wrong password'),
  ]);
  await app.ledger.drain();
  await Promise.all([
    upload(app, origin, 'a.txt', 'three', { requestId: 'r2' }),
    app.handlers.delete.execute(origin, { name: 'b.txt' }),
  ]);
  await app.ledger.drain();
  await Promise.all([
    app.handlers.restore.execute(origin, { name: 'b.txt', version: 1 }),
    app.handlers.stat.execute(origin, 'a.txt'),
  ]);
  await app.ledger.drain();
  await app.handlers.sessions.close(origin, 'logout');
  await app.close();
  process.stdout.write(`${JSON.stringify({ steps, begins, commits })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
