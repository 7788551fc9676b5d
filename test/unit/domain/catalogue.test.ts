import { Catalogue } from '../../../src/domain/catalogue';
import { FerryEvent } from '../../../src/domain/events';
import { eventFactory, shaOf } from '../../support/domain-events';

function fold(events: readonly FerryEvent[]): Catalogue {
  const catalogue = new Catalogue();
  for (const event of events) catalogue.apply(event);
  return catalogue;
}

describe('Catalogue', () => {
  it('starts empty at position 0', () => {
    const catalogue = new Catalogue();
    expect(catalogue.position()).toBe(0);
    expect(catalogue.list()).toEqual([]);
    expect(catalogue.live('a')).toBeUndefined();
    expect(catalogue.latestVersion('a')).toBe(0);
    expect(catalogue.history('a')).toEqual([]);
  });

  describe('uploads', () => {
    const f = eventFactory();
    const v1 = f.uploaded('doc.txt', 1, shaOf('one'), 3);
    const v2 = f.make(
      'FileUploaded',
      { name: 'doc.txt', version: 2, sha256: shaOf('two'), size: 5 },
      {
        actor: 'bob',
      },
    );
    const catalogue = fold([v1, v2]);

    it('makes the newest upload live, with the event time, actor and seq', () => {
      expect(catalogue.live('doc.txt')).toEqual({
        name: 'doc.txt',
        version: 2,
        sha256: shaOf('two'),
        size: 5,
        at: v2.at,
        actor: 'bob',
        seq: v2.seq,
      });
    });

    it('keeps the earlier version addressable', () => {
      expect(catalogue.version('doc.txt', 1)).toEqual({
        name: 'doc.txt',
        version: 1,
        sha256: shaOf('one'),
        size: 3,
        at: v1.at,
        actor: 'alice',
        seq: v1.seq,
      });
      expect(catalogue.version('doc.txt', 2)?.sha256).toBe(shaOf('two'));
      expect(catalogue.version('doc.txt', 3)).toBeUndefined();
      expect(catalogue.version('doc.txt', 0)).toBeUndefined();
      expect(catalogue.version('other', 1)).toBeUndefined();
    });

    it('reports the latest version and a two-entry history in order', () => {
      expect(catalogue.latestVersion('doc.txt')).toBe(2);
      const history = catalogue.history('doc.txt');
      expect(history.map((h) => h.kind)).toEqual(['uploaded', 'uploaded']);
      expect(history.map((h) => (h.kind === 'uploaded' ? h.file.version : -1))).toEqual([1, 2]);
      expect(history.map((h) => (h.kind === 'uploaded' ? h.file.seq : -1))).toEqual([v1.seq, v2.seq]);
    });

    it('lists the name once, as its live version', () => {
      expect(catalogue.list().map((file) => [file.name, file.version])).toEqual([['doc.txt', 2]]);
    });

    it('advances position to the last seq', () => {
      expect(catalogue.position()).toBe(v2.seq);
    });
  });

  describe('deletion', () => {
    it('removes the live file but keeps versions, history and the version counter', () => {
      const f = eventFactory();
      const uploads = [f.uploaded('doc.txt', 1), f.uploaded('doc.txt', 2)];
      const deletion = f.make('FileDeleted', { name: 'doc.txt', version: 2 }, { actor: 'carol' });
      const catalogue = fold([...uploads, deletion]);

      expect(catalogue.live('doc.txt')).toBeUndefined();
      expect(catalogue.list()).toEqual([]);
      expect(catalogue.list('doc')).toEqual([]);
      expect(catalogue.latestVersion('doc.txt')).toBe(2);
      expect(catalogue.version('doc.txt', 1)?.version).toBe(1);
      expect(catalogue.version('doc.txt', 2)?.version).toBe(2);

      const history = catalogue.history('doc.txt');
      expect(history).toHaveLength(3);
      expect(history[2]).toEqual({
        kind: 'deleted',
        deletion: { name: 'doc.txt', version: 2, at: deletion.at, actor: 'carol', seq: deletion.seq },
      });
      expect(catalogue.position()).toBe(deletion.seq);
    });

    it('lets a later upload come back as version 3, live again', () => {
      const f = eventFactory();
      const catalogue = fold([
        f.uploaded('doc.txt', 1),
        f.uploaded('doc.txt', 2),
        f.deleted('doc.txt', 2),
        f.uploaded('doc.txt', 3, shaOf('three')),
      ]);
      expect(catalogue.live('doc.txt')?.version).toBe(3);
      expect(catalogue.live('doc.txt')?.sha256).toBe(shaOf('three'));
      expect(catalogue.latestVersion('doc.txt')).toBe(3);
      expect(catalogue.history('doc.txt').map((h) => h.kind)).toEqual([
        'uploaded',
        'uploaded',
        'deleted',
        'uploaded',
      ]);
      expect(catalogue.list().map((file) => file.version)).toEqual([3]);
    });

    it('does not touch other names', () => {
      const f = eventFactory();
      const catalogue = fold([f.uploaded('a', 1), f.uploaded('b', 1), f.deleted('a', 1)]);
      expect(catalogue.live('b')?.version).toBe(1);
      expect(catalogue.list().map((file) => file.name)).toEqual(['b']);
    });
  });

  describe('list', () => {
    const f = eventFactory();
    const catalogue = fold([
      f.uploaded('photos/2024/b.jpg', 1),
      f.uploaded('docs/z.txt', 1),
      f.uploaded('photos/2023/a.jpg', 1),
      f.uploaded('photos.txt', 1),
      f.uploaded('docs/a.txt', 1),
      f.uploaded('Photos/upper.jpg', 1),
      f.uploaded('photos/2024/gone.jpg', 1),
      f.deleted('photos/2024/gone.jpg', 1),
    ]);

    it('lists every live file sorted by name (code-unit order)', () => {
      expect(catalogue.list().map((file) => file.name)).toEqual([
        'Photos/upper.jpg',
        'docs/a.txt',
        'docs/z.txt',
        'photos.txt',
        'photos/2023/a.jpg',
        'photos/2024/b.jpg',
      ]);
    });

    it('filters by a case-sensitive prefix', () => {
      expect(catalogue.list('photos/').map((file) => file.name)).toEqual([
        'photos/2023/a.jpg',
        'photos/2024/b.jpg',
      ]);
      expect(catalogue.list('photos').map((file) => file.name)).toEqual([
        'photos.txt',
        'photos/2023/a.jpg',
        'photos/2024/b.jpg',
      ]);
      expect(catalogue.list('docs/a').map((file) => file.name)).toEqual(['docs/a.txt']);
      expect(catalogue.list('nothing')).toEqual([]);
    });
  });

  describe('events that are not about files', () => {
    it('change nothing but advance the position', () => {
      const f = eventFactory();
      const catalogue = fold([f.uploaded('doc.txt', 1)]);
      const before = {
        list: catalogue.list(),
        history: [...catalogue.history('doc.txt')],
        latest: catalogue.latestVersion('doc.txt'),
      };
      const others: FerryEvent[] = [
        f.make('SessionOpened', { protocol: 1 }),
        f.make('HelpShown', {}),
        f.make('FilesListed', { prefix: '', count: 1 }),
        f.make('FileDownloaded', {
          name: 'doc.txt',
          version: 1,
          sha256: shaOf('doc.txt#1'),
          bytes: 10,
          complete: true,
        }),
        f.make('CommandRejected', { command: 'DELETE', name: 'doc.txt', code: 'NOT_FOUND', message: 'x' }),
        f.make('CommandRejected', { command: 'UPLOAD', name: 'new.txt', code: 'BAD_NAME', message: 'x' }),
        f.make('SessionClosed', { reason: 'logout' }),
      ];
      for (const event of others) {
        catalogue.apply(event);
        expect(catalogue.position()).toBe(event.seq);
      }
      expect(catalogue.position()).toBe(8);
      expect(catalogue.list()).toEqual(before.list);
      expect(catalogue.history('doc.txt')).toEqual(before.history);
      expect(catalogue.latestVersion('doc.txt')).toBe(before.latest);
      expect(catalogue.live('new.txt')).toBeUndefined();
      expect(catalogue.latestVersion('new.txt')).toBe(0);
      expect(catalogue.history('new.txt')).toEqual([]);
    });
  });

  describe('ordering', () => {
    it('refuses an event whose seq equals the position', () => {
      const catalogue = fold([eventFactory(1).uploaded('a', 1)]);
      expect(() => catalogue.apply(eventFactory(1).uploaded('b', 1))).toThrow();
      expect(catalogue.live('b')).toBeUndefined();
      expect(catalogue.position()).toBe(1);
    });

    it('refuses an event whose seq is behind the position, without changing anything', () => {
      const catalogue = fold([eventFactory(5).uploaded('a', 1)]);
      expect(() => catalogue.apply(eventFactory(3).deleted('a', 1))).toThrow();
      expect(catalogue.live('a')?.version).toBe(1);
      expect(catalogue.history('a')).toHaveLength(1);
      expect(catalogue.position()).toBe(5);
    });

    it('refuses seq 0 on an empty catalogue', () => {
      const catalogue = new Catalogue();
      expect(() => catalogue.apply(eventFactory(0).make('HelpShown', {}))).toThrow();
      expect(catalogue.position()).toBe(0);
    });

    it('replaying the same events yields the same catalogue', () => {
      const f = eventFactory();
      const events = [f.uploaded('a', 1), f.uploaded('b', 1), f.uploaded('a', 2), f.deleted('b', 1)];
      const first = fold(events);
      const second = fold(events);
      expect(second.list()).toEqual(first.list());
      expect(second.history('a')).toEqual(first.history('a'));
      expect(second.history('b')).toEqual(first.history('b'));
      expect(second.position()).toBe(first.position());
    });
  });
});
