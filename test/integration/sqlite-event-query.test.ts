import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventType, FerryEvent } from '../../src/domain/events';
import { EventFilter, EventQueryError } from '../../src/domain/ports/event-query.port';
import { SqliteEventLog } from '../../src/infra/sqlite/sqlite-event-log';
import { SqliteEventQuery } from '../../src/infra/sqlite/sqlite-event-query';
import { eventFactory } from '../support/domain-events';
import { removeDir, tempDir } from '../support/test-server';

const NOW = () => '2024-01-01T00:00:00.000Z';
const ALICE = { actor: 'alice', session: 'aaaa1111-0000-4000-8000-000000000001', remote: '10.0.0.1:5000' };
const BOB = { actor: 'bob', session: 'bbbb2222-0000-4000-8000-000000000002', remote: '10.0.0.2:6000' };

/** Two sessions; eventFactory puts event n at 2024-01-01T00:00:0n.000Z. */
function sampleLog(): FerryEvent[] {
  const f = eventFactory();
  return [
    f.make('SessionOpened', { protocol: 1 }, ALICE),
    f.make('FileUploaded', { name: 'report.pdf', version: 1, sha256: 'a'.repeat(64), size: 10 }, ALICE),
    f.make('FileUploaded', { name: 'notes.txt', version: 1, sha256: 'b'.repeat(64), size: 20 }, ALICE),
    f.make('SessionClosed', { reason: 'logout' }, ALICE),
    f.make('SessionOpened', { protocol: 1 }, BOB),
    f.make(
      'FileDownloaded',
      { name: 'report.pdf', version: 1, sha256: 'a'.repeat(64), bytes: 10, complete: true },
      BOB,
    ),
    f.make(
      'CommandRejected',
      { command: 'DELETE', name: 'x', code: 'NOT_FOUND', message: 'no such file' },
      BOB,
    ),
    f.make('FileUploaded', { name: 'report.pdf', version: 2, sha256: 'c'.repeat(64), size: 30 }, BOB),
    f.make('FileDeleted', { name: 'report.pdf', version: 2 }, BOB),
    f.make('SessionClosed', { reason: 'disconnect' }, BOB),
  ];
}

const at = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second));
const seqs = (events: readonly FerryEvent[]) => events.map((event) => event.seq);

describe('SqliteEventQuery', () => {
  let dir: string;
  let file: string;
  let log: SqliteEventLog;
  let query: SqliteEventQuery;
  const events = sampleLog();
  const find = (filter: EventFilter) => seqs(query.find(filter, { afterSeq: 0 }, 1000));

  beforeEach(async () => {
    dir = tempDir();
    file = join(dir, 'audit.db');
    log = new SqliteEventLog({ file, now: NOW });
    await log.append(events);
    query = new SqliteEventQuery(file);
  });

  afterEach(async () => {
    query.close();
    await log.close();
    removeDir(dir);
  });

  it('returns every event as stored, in order, when nothing filters', () => {
    expect(query.find({}, { afterSeq: 0 }, 1000)).toEqual(events);
    expect(query.lastSeq()).toBe(10);
  });

  it('reads a window of seqs, a page at a time', () => {
    expect(seqs(query.find({}, { afterSeq: 3 }, 2))).toEqual([4, 5]);
    expect(seqs(query.find({}, { afterSeq: 3, throughSeq: 6 }, 100))).toEqual([4, 5, 6]);
    expect(seqs(query.find({}, { afterSeq: 10 }, 100))).toEqual([]);
  });

  it('filters by type, one or several', () => {
    expect(find({ types: ['FileUploaded'] })).toEqual([2, 3, 8]);
    expect(find({ types: ['SessionOpened', 'FileDeleted'] })).toEqual([1, 5, 9]);
    expect(find({ types: [] })).toHaveLength(10);
  });

  it('filters by actor', () => {
    expect(find({ actor: 'bob' })).toEqual([5, 6, 7, 8, 9, 10]);
    expect(find({ actor: 'carol' })).toEqual([]);
  });

  it('filters by session, given the whole id or its start', () => {
    expect(find({ sessionPrefix: BOB.session })).toEqual([5, 6, 7, 8, 9, 10]);
    expect(find({ sessionPrefix: 'aaaa1111' })).toEqual([1, 2, 3, 4]);
    expect(find({ sessionPrefix: 'aaaa1112' })).toEqual([]);
    expect(find({ sessionPrefix: '%' })).toEqual([]);
  });

  it('filters by exact file name, whatever the event type', () => {
    expect(find({ name: 'report.pdf' })).toEqual([2, 6, 8, 9]);
    expect(find({ name: 'x' })).toEqual([7]);
    expect(find({ name: 'report' })).toEqual([]);
    expect(find({ name: 'REPORT.PDF' })).toEqual([]);
  });

  it('finds a rename under either of its names', async () => {
    const f = eventFactory(events.length + 1);
    const payload = {
      from: 'notes.txt',
      to: 'moved.txt',
      version: 1,
      fromVersion: 1,
      sha256: 'b'.repeat(64),
      size: 20,
    };
    await log.append([f.make('FileRenamed', payload, ALICE)]);
    const renamed = events.length + 1;
    expect(find({ name: 'notes.txt' })).toEqual([3, renamed]);
    expect(find({ name: 'moved.txt' })).toEqual([renamed]);
    expect(find({ name: 'report.pdf' })).toEqual([2, 6, 8, 9]);
  });

  it('bounds by seq: since is inclusive, until exclusive', () => {
    expect(find({ since: { seq: 3 } })).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(find({ until: { seq: 3 } })).toEqual([1, 2]);
    expect(find({ since: { seq: 3 }, until: { seq: 6 } })).toEqual([3, 4, 5]);
    expect(find({ since: { seq: 6 }, until: { seq: 6 } })).toEqual([]);
  });

  it('bounds by time: since is inclusive, until exclusive', () => {
    expect(find({ since: { at: at(3) }, until: { at: at(6) } })).toEqual([3, 4, 5]);
    expect(find({ since: { at: new Date(at(3).getTime() + 1) } })).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(find({ until: { at: new Date(at(3).getTime() + 1) } })).toEqual([1, 2, 3]);
    expect(find({ since: { at: at(60) } })).toEqual([]);
  });

  it('combines every filter with AND', () => {
    const filter: EventFilter = { types: ['FileUploaded'], actor: 'bob', name: 'report.pdf' };
    expect(find(filter)).toEqual([8]);
    expect(find({ ...filter, sessionPrefix: 'bbbb' })).toEqual([8]);
    expect(find({ ...filter, sessionPrefix: 'aaaa' })).toEqual([]);
    expect(find({ ...filter, since: { seq: 9 } })).toEqual([]);
    expect(find({ ...filter, until: { at: at(8) } })).toEqual([]);
    expect(
      find({ types: ['FileUploaded'], name: 'report.pdf', since: { seq: 1 }, until: { seq: 8 } }),
    ).toEqual([2]);
  });

  it('returns the newest matches, oldest first', () => {
    const uploads: EventFilter = { types: ['FileUploaded'] };
    expect(seqs(query.latest(uploads, { afterSeq: 0 }, 2))).toEqual([3, 8]);
    expect(seqs(query.latest(uploads, { afterSeq: 0, throughSeq: 5 }, 2))).toEqual([2, 3]);
    expect(seqs(query.latest(uploads, { afterSeq: 0 }, 100))).toEqual([2, 3, 8]);
  });

  it('treats values as data: an injection attempt matches nothing and harms nothing', async () => {
    const attempts = ["x' OR 1=1 --", "x'); DROP TABLE events; --", '" OR ""="', "' OR ''='"];
    for (const value of attempts) {
      expect(find({ name: value })).toEqual([]);
      expect(find({ actor: value })).toEqual([]);
      expect(find({ sessionPrefix: value })).toEqual([]);
      expect(find({ types: [value as EventType] })).toEqual([]);
    }
    expect(query.find({}, { afterSeq: 0 }, 1000)).toEqual(events);
    const next = eventFactory(11).make('HelpShown', {}, ALICE);
    await log.append([next]);
    expect(query.lastSeq()).toBe(11);
  });

  it('sees events appended by a writer after it opened', async () => {
    expect(query.lastSeq()).toBe(10);
    await log.append([eventFactory(11).uploaded('late.txt', 1)]);
    expect(query.lastSeq()).toBe(11);
    expect(find({ name: 'late.txt' })).toEqual([11]);
  });

  it('reads a log whose writer has closed it', async () => {
    query.close();
    await log.close();
    query = new SqliteEventQuery(file);
    expect(find({ types: ['FileUploaded'] })).toEqual([2, 3, 8]);
  });

  it('refuses a missing log or folder with a not-found error, creating nothing', () => {
    for (const missing of [join(dir, 'other.db'), join(dir, 'no-such-folder', 'audit.db')]) {
      let caught: unknown;
      try {
        new SqliteEventQuery(missing);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(EventQueryError);
      expect((caught as EventQueryError).kind).toBe('not-found');
      expect(existsSync(missing)).toBe(false);
    }
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });

  it('reports a file that is not an audit log as unreadable', () => {
    const bogus = join(dir, 'bogus.db');
    writeFileSync(bogus, 'this is not a database, just some text that is long enough to look like one');
    let caught: unknown;
    try {
      const other = new SqliteEventQuery(bogus);
      try {
        other.lastSeq();
      } finally {
        other.close();
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EventQueryError);
    expect((caught as EventQueryError).kind).toBe('unreadable');
  });
});
