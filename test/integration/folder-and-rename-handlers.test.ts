import { Application } from '../../src/app/composition-root';
import { EventOf, EventOrigin } from '../../src/domain/events';
import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { FolderPath, parseFolderPath } from '../../src/domain/folders';
import { FileName } from '../../src/domain/names';
import { addAccount, OPERATOR } from '../support/accounts';
import { startMemoryApp, uploadBytes } from '../support/app-driver';
import { valueOf } from '../support/results';

const folder = (raw: string): FolderPath => valueOf(parseFolderPath(raw));
const as = (actor: string): EventOrigin => ({ actor, session: `s-${actor}`, remote: '127.0.0.1:1' });
const ALL = { limit: 1000 };

/** The use cases as the SFTP adapter calls them: through `app.handlers`, with memory adapters. */
describe('ManageFolders and RenameFile through the container', () => {
  let app: Application;
  let log: MemoryEventLog;

  beforeEach(async () => {
    log = new MemoryEventLog();
    app = await startMemoryApp({ eventLog: log });
    await addAccount(app, 'alice', 'write', { prefix: 'alice/' });
    await addAccount(app, 'rita', 'read');
  });
  afterEach(() => app.close());

  /** The refusals of `command` recorded in the log. */
  async function rejections(command: string): Promise<EventOf<'CommandRejected'>[]> {
    await app.ledger.drain();
    const refused: EventOf<'CommandRejected'>[] = [];
    for await (const event of log.read()) {
      if (event.type === 'CommandRejected' && event.payload.command === command) refused.push(event);
    }
    return refused;
  }

  it('makes, lists, finds and removes an empty folder inside the home; each change one event', async () => {
    const alice = as('alice');
    expect(valueOf(await app.handlers.folders.create(alice, folder('alice/empty')))).toMatchObject({
      type: 'FolderCreated',
      actor: 'alice',
      payload: { path: 'alice/empty/' },
    });
    expect(valueOf(await app.handlers.stat.path(alice, 'alice/empty'))).toEqual({ folder: 'alice/empty/' });
    expect(valueOf(app.handlers.folders.list(alice, '', ALL))).toEqual(['alice/empty/']);
    // The folders above the home exist for the client to walk down; others are not there for alice.
    expect(valueOf(await app.handlers.stat.path(alice, 'alice'))).toEqual({ folder: 'alice/' });
    expect(await app.handlers.stat.path(alice, 'bob')).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(valueOf(await app.handlers.folders.remove(alice, folder('alice/empty')))).toMatchObject({
      type: 'FolderRemoved',
    });
    expect(await app.handlers.stat.path(alice, 'alice/empty')).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const shown: string[] = [];
    await app.ledger.drain();
    for await (const event of log.read()) {
      if (event.type === 'FolderStatShown') shown.push(event.payload.path);
      if (event.type === 'CommandRejected' && event.payload.command === 'STAT') {
        shown.push(`refused ${event.payload.code}`);
      }
    }
    // One event per STAT: shown, or refused.
    expect(shown).toEqual(['alice/empty/', 'alice/', 'refused FORBIDDEN', 'refused NOT_FOUND']);
  });

  it('refuses outside the home and for the read role with FORBIDDEN, recorded', async () => {
    const outside = await app.handlers.folders.create(as('alice'), folder('bob/x'));
    expect(outside).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const reader = await app.handlers.folders.create(as('rita'), folder('x'));
    expect(reader).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(app.handlers.folders.list(as('alice'), 'bob/', ALL)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect((await rejections('MKDIR')).map((e) => [e.actor, e.payload.name])).toEqual([
      ['alice', 'bob/x/'],
      ['rita', 'x/'],
    ]);
  });

  it('refuses an existing folder with CONFLICT and a non-empty one on removal, recorded', async () => {
    const op = OPERATOR;
    expect((await uploadBytes(app, op, 'docs/a.txt', Buffer.from('a'))).ok).toBe(true);
    expect(await app.handlers.folders.create(op, folder('docs'))).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect((await app.handlers.folders.create(op, folder('docs/sub'))).ok).toBe(true);
    expect(await app.handlers.folders.remove(op, folder('docs'))).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await app.handlers.folders.remove(op, folder('nothing'))).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect((await rejections('RMDIR')).map((e) => e.payload.code)).toEqual(['CONFLICT', 'NOT_FOUND']);
  });

  it('renames within the home, refuses across it, and replays a request id', async () => {
    const alice = as('alice');
    expect((await uploadBytes(app, alice, 'alice/a.txt', Buffer.from('abc'))).ok).toBe(true);
    const first = await app.handlers.rename.execute(alice, {
      from: 'alice/a.txt' as FileName,
      to: 'alice/b.txt' as FileName,
      requestId: 'mv',
    });
    expect(valueOf(first).payload).toMatchObject({ from: 'alice/a.txt', to: 'alice/b.txt', version: 1 });
    const again = await app.handlers.rename.execute(alice, {
      from: 'alice/a.txt' as FileName,
      to: 'alice/b.txt' as FileName,
      requestId: 'mv',
    });
    expect(valueOf(again)).toMatchObject({ seq: valueOf(first).seq, payload: valueOf(first).payload });
    const across = await app.handlers.rename.execute(alice, {
      from: 'alice/b.txt' as FileName,
      to: 'elsewhere.txt' as FileName,
    });
    expect(across).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(app.ledger.catalogue.usage('alice')).toEqual({ files: 1, bytes: 3 });
  });

  it('refuses a rename that would take the renamer over quota with QUOTA_EXCEEDED, recorded', async () => {
    await app.handlers.accounts.change(OPERATOR, { action: 'quota', user: 'alice', bytes: 5 });
    expect((await uploadBytes(app, OPERATOR, 'alice/big.txt', Buffer.from('0123456789'))).ok).toBe(true);
    const taken = await app.handlers.rename.execute(as('alice'), {
      from: 'alice/big.txt' as FileName,
      to: 'alice/mine.txt' as FileName,
    });
    expect(taken).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED' } });
    expect((await rejections('RENAME')).map((e) => e.payload.code)).toEqual(['QUOTA_EXCEEDED']);
  });
});
