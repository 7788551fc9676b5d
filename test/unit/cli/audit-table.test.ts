import { auditTable, quoteName, summarize } from '../../../src/cli/audit-table';
import { formatBytes } from '../../../src/cli/format';
import { FerryEvent } from '../../../src/domain/events';
import { eventFactory, shaOf } from '../../support/domain-events';

describe('the audit table', () => {
  it('sums each event up in a few words', () => {
    const f = eventFactory();
    const cases: Array<[FerryEvent, string]> = [
      [f.make('SessionOpened', { protocol: 1 }), 'OPEN protocol 1'],
      [f.make('SessionClosed', { reason: 'logout' }), 'CLOSE logout'],
      [f.make('HelpShown', {}), 'HELP'],
      [f.make('FilesListed', { prefix: '', count: 1 }), 'LIST (1 file)'],
      [f.make('FilesListed', { prefix: 'docs/', count: 3 }), 'LIST docs/ (3 files)'],
      [f.uploaded('report.pdf', 3, shaOf('r'), 1.2 * 1024 * 1024), 'UPLOAD report.pdf v3 1.2 MiB'],
      [
        f.make('FileDownloaded', {
          name: 'a b',
          version: 1,
          sha256: shaOf('a'),
          bytes: 600,
          complete: false,
        }),
        'DOWNLOAD "a b" v1 600 B INCOMPLETE',
      ],
      [f.deleted('x', 2), 'DELETE x v2'],
      [
        f.make('CommandRejected', {
          command: 'DELETE',
          name: 'x',
          code: 'NOT_FOUND',
          message: 'no such file',
        }),
        'REJECTED DELETE x NOT_FOUND',
      ],
      [
        f.make('CommandRejected', { command: 'FROB', code: 'UNKNOWN_COMMAND', message: 'what?' }),
        'REJECTED FROB UNKNOWN_COMMAND',
      ],
      [f.make('FilesListed', { prefix: '', count: 0, at: 'seq 12' }), 'LIST at seq 12 (0 files)'],
      [f.make('FileStatShown', { name: 'x', version: 2 }), 'STAT x v2'],
      [f.make('FolderStatShown', { path: 'docs/' }), 'STAT docs/'],
      [f.make('HistoryShown', { name: 'x', count: 1 }), 'HISTORY x (1 entry)'],
      [f.make('HistoryShown', { name: 'x', count: 4 }), 'HISTORY x (4 entries)'],
      [
        f.make('FileRestored', { name: 'x', version: 4, fromVersion: 1, sha256: shaOf('x'), size: 2048 }),
        'RESTORE x v4 from v1 2.0 KiB',
      ],
      [
        f.make('RequestReplayed', { command: 'UPLOAD', requestId: 'r-1', originalSeq: 7 }),
        'RETRY UPLOAD id r-1 = seq 7',
      ],
      [
        f.make('GarbageCollected', {
          retentionDays: 0,
          blobs: [shaOf('a')],
          versions: [{ name: 'a', version: 1 }],
        }),
        'GC 1 blob (1 version)',
      ],
    ];
    for (const [event, summary] of cases) expect(summarize(event)).toBe(summary);
  });

  it('falls back to the payload fields for a type it has no words for', () => {
    const future = {
      ...eventFactory().make('HelpShown', {}),
      type: 'FileTeleported',
      payload: { name: 'a b', to: 'mars', sha256: shaOf('t'), count: 2 },
    } as unknown as FerryEvent;
    expect(summarize(future)).toBe(`name="a b" to=mars sha256=${shaOf('t').slice(0, 12)}… count=2`);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('quotes names only when they would be ambiguous', () => {
    expect(quoteName('docs/report.pdf')).toBe('docs/report.pdf');
    expect(quoteName('my notes.txt')).toBe('"my notes.txt"');
    expect(quoteName('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteName('')).toBe('""');
  });

  it('cannot be tricked into a fake row or a terminal escape by what a client sent', () => {
    const f = eventFactory();
    const forged = 'x NOT_FOUND\n    9  2024-01-01T00:00:09.000Z  FileDeleted \u001b[2K\u202e';
    const output = auditTable().format([
      f.make('CommandRejected', { command: 'DELETE', name: forged, code: 'BAD_NAME', message: 'bad' }),
      f.make('SessionOpened', { protocol: 1 }, { actor: 'eve\r\nroot', remote: '\u0007' }),
    ]);
    expect(output.split('\n')).toHaveLength(4); // header, two rows, the final newline
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('prints the header once and keeps columns aligned across batches', () => {
    const f = eventFactory();
    const table = auditTable();
    expect(table.format([])).toBe('');
    const first = table.format([f.make('SessionOpened', { protocol: 1 })]).split('\n');
    const later = table.format([f.make('SessionClosed', { reason: 'logout' })]).split('\n');
    expect(first[0]).toMatch(/^SEQ\s+AT\s+TYPE\s+ACTOR\s+SESSION\s+REMOTE\s+SUMMARY$/);
    expect(later).toHaveLength(2);
    expect(later[0].indexOf('SessionClosed')).toBe(first[1].indexOf('SessionOpened'));
    expect(later[0].indexOf('CLOSE')).toBe(first[0].indexOf('SUMMARY'));
  });

  it('makes the seq column wide enough for the highest seq it was told about', () => {
    const table = auditTable(12345);
    const first = table.format([eventFactory().make('SessionOpened', { protocol: 1 })]).split('\n');
    const later = table.format([eventFactory(12345).make('HelpShown', {})]).split('\n');
    expect(later[0].indexOf('HelpShown')).toBe(first[1].indexOf('SessionOpened'));
  });
});
