import { EventFold, scanAuditLog } from '../../../src/domain/audit/log-scan';
import { toHex } from '../../../src/domain/audit/hash';
import { Catalogue } from '../../../src/domain/catalogue';
import { FerryEvent } from '../../../src/domain/events';
import { sha256 } from '../../../src/infra/crypto/sha256';
import { naiveRoot } from '../../support/audit-db-tree';
import { eventFactory } from '../../support/domain-events';
import { MemoryAuditLog, newTestKey, TestKey } from '../../support/memory-audit-log';

/** Ten events with uploads, a delete and a new version, checkpointed at 4 and 10. */
function sampleEvents(): FerryEvent[] {
  const f = eventFactory();
  return [
    f.make('SessionOpened', { protocol: 1 }),
    f.uploaded('a.txt', 1),
    f.uploaded('b.txt', 1),
    f.make('FilesListed', { prefix: '', count: 2 }),
    f.uploaded('a.txt', 2),
    f.deleted('b.txt', 1),
    f.make('CommandRejected', { command: 'DELETE', name: 'c', code: 'NOT_FOUND', message: 'no c' }),
    f.uploaded('dir/ç "q".txt', 1),
    f.make('HelpShown', {}),
    f.make('SessionClosed', { reason: 'logout' }),
  ];
}

describe('scanAuditLog, the verifier of a whole log', () => {
  let key: TestKey;
  let log: MemoryAuditLog;
  const scan = (trusted = key.verifier) => scanAuditLog(log, sha256, trusted);
  const failure = (trusted = key.verifier) => {
    const result = scan(trusted);
    if (result.ok) throw new Error('the scan passed');
    return result.failure;
  };

  beforeAll(() => {
    key = newTestKey();
  });

  beforeEach(() => {
    log = MemoryAuditLog.build(sampleEvents(), [4, 10], key);
  });

  it('passes a sound log, recomputing the root', () => {
    const result = scan();
    if (!result.ok) throw new Error(result.failure.message);
    expect(result.value.size).toBe(10);
    expect(toHex(result.value.root)).toBe(toHex(naiveRoot(log.rows.map((row) => row.record))));
    expect(result.value.checkpoints).toBe(2);
    expect(result.value.latestCheckpoint?.size).toBe(10);
    expect(Object.keys(result.value).sort()).toEqual(['checkpoints', 'latestCheckpoint', 'root', 'size']);
  });

  it('passes an empty log', () => {
    log = MemoryAuditLog.build([], [], key);
    expect(scan()).toMatchObject({ ok: true, value: { size: 0, checkpoints: 0 } });
  });

  it('names the missing seq when a row was deleted', () => {
    log.rows = log.rows.filter((row) => row.seq !== 6);
    expect(failure()).toMatchObject({ code: 'EVENT_GAP', seq: 6 });
  });

  it('refuses a row numbered before the first', () => {
    log.rows = [{ seq: 0, record: log.rows[0].record }, ...log.rows];
    expect(failure()).toMatchObject({ code: 'EVENT_GAP', seq: 1 });
  });

  it('names the first of two rows whose records were swapped', () => {
    const [three, seven] = [log.record(3)!.record, log.record(7)!.record];
    log.editRecord(3, () => seven);
    log.editRecord(7, () => three);
    expect(failure()).toMatchObject({ code: 'SEQ_MISMATCH', seq: 3 });
  });

  it('names an edited record, even when the edit keeps it valid and keeps its seq', () => {
    log.editRecord(5, (record) => record.replace('"a.txt"', '"A.txt"'));
    expect(failure()).toMatchObject({ code: 'LEAF_MISMATCH', seq: 5 });
  });

  it.each([
    ['not JSON', '{"seq":5,'],
    ['not an object', '[5]'],
    ['without a type', '{"seq":5}'],
    ['of a type nobody knows', '{"seq":5,"type":"Nonsense","payload":{}}'],
  ])('names a record that is %s, when folding as verify does', (_label, record) => {
    log.editRecord(5, () => record);
    log.rebuildNodes();
    expect(scanAuditLog(log, sha256, key.verifier, new Catalogue())).toMatchObject({
      ok: false,
      failure: { code: 'RECORD_INVALID', seq: 5 },
    });
  });

  it('catches an edited record whose stored leaf was rewritten too, at the first parent node', () => {
    log.editRecord(3, (record) => record.replace('b.txt', 'B.txt'));
    const edited = MemoryAuditLog.build([], [], key);
    edited.rows = log.rows;
    edited.rebuildNodes();
    log.nodes.set('0/2', edited.nodes.get('0/2')!);
    expect(failure()).toMatchObject({ code: 'NODE_MISMATCH' });
  });

  it('catches records rewritten with every node to match, by the checkpoint they no longer give', () => {
    log.editRecord(3, (record) => record.replace('b.txt', 'B.txt'));
    log.rebuildNodes();
    expect(failure()).toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
  });

  it('refuses checkpoints re-signed by another key, or with a forged signature', () => {
    log.editRecord(3, (record) => record.replace('b.txt', 'B.txt'));
    log.rebuildNodes();
    const attacker = newTestKey();
    log.checkpointList = [log.sign(4, attacker), log.sign(10, attacker)];
    expect(failure()).toMatchObject({ code: 'SIGNATURE_INVALID' });

    log.checkpointList = log.checkpointList.map((c) => ({ ...c, keyId: key.verifier.keyId }));
    expect(failure()).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('catches a checkpoint whose size was changed', () => {
    log.checkpointList = [{ ...log.checkpointList[0], size: 5 }, log.checkpointList[1]];
    expect(failure()).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('names an event that has no stored leaf: a row added behind the server', () => {
    const extra = eventFactory(11).uploaded('smuggled', 1);
    log.rows = [...log.rows, { seq: 11, record: JSON.stringify(extra) }];
    expect(failure()).toMatchObject({ code: 'LEAF_MISMATCH', seq: 11 });
  });

  it('detects a removed tail from a checkpoint that covers more than the log', () => {
    log.rows = log.rows.slice(0, 8);
    expect(failure()).toMatchObject({ code: 'LOG_TRUNCATED', seq: 9 });
  });

  it('detects a removed tail from leaves stored past the last event, with its checkpoint gone too', () => {
    log.rows = log.rows.slice(0, 8);
    log.checkpointList = log.checkpointList.slice(0, 1);
    expect(failure()).toMatchObject({ code: 'LOG_TRUNCATED', seq: 9 });
  });

  it('does not take a forged checkpoint past the end for evidence of truncation', () => {
    log.checkpointList = [...log.checkpointList, { ...log.checkpointList[1], size: 20 }];
    expect(failure()).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('cannot check checkpoints without a public key, and says so', () => {
    expect(scanAuditLog(log, sha256, undefined)).toMatchObject({
      ok: false,
      failure: { code: 'UNREADABLE' },
    });
  });

  it('reports the earliest failure when there are several', () => {
    log.editRecord(8, (record) => record.replace('ç', 'c'));
    log.rows = log.rows.filter((row) => row.seq !== 9);
    log.editRecord(2, (record) => record.replace('a.txt', 'z.txt'));
    expect(failure()).toMatchObject({ code: 'LEAF_MISMATCH', seq: 2 });
  });

  describe('handing each sound event to a fold, as verify refolds the catalogue', () => {
    /** Remembers the seqs it was handed; throws at `refuseAt`, as a projection that cannot take an event. */
    function recordingFold(refuseAt?: number): EventFold & { seqs: number[] } {
      const seqs: number[] = [];
      return {
        seqs,
        fold: (events) => {
          for (const event of events) {
            if (event.seq === refuseAt) throw new Error('version 3 of a name at version 1');
            seqs.push(event.seq);
          }
        },
      };
    }

    it('hands every event of a sound log, once each, in log order', () => {
      const fold = recordingFold();
      expect(scanAuditLog(log, sha256, key.verifier, fold)).toMatchObject({ ok: true });
      expect(fold.seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('folds into a catalogue what the log says', () => {
      const catalogue = new Catalogue();
      expect(scanAuditLog(log, sha256, key.verifier, catalogue)).toMatchObject({ ok: true });
      expect(catalogue.position()).toBe(10);
      expect(catalogue.list('').map((file) => [file.name, file.version])).toEqual([
        ['a.txt', 2],
        ['dir/ç "q".txt', 1],
      ]);
      expect(catalogue.latestVersion('b.txt')).toBe(1);
    });

    it('names an event the fold cannot take as RECORD_INVALID, and hands over nothing after it', () => {
      const fold = recordingFold(6);
      const result = scanAuditLog(log, sha256, key.verifier, fold);
      expect(result).toMatchObject({ ok: false, failure: { code: 'RECORD_INVALID', seq: 6 } });
      if (!result.ok) expect(result.failure.message).toContain('version 3 of a name at version 1');
      expect(fold.seqs).toEqual([1, 2, 3, 4, 5]);
    });

    it('hands over no event that failed a check: the fold sees only what the tree vouches for', () => {
      log.editRecord(5, (record) => record.replace('"a.txt"', '"A.txt"'));
      const fold = recordingFold();
      expect(scanAuditLog(log, sha256, key.verifier, fold)).toMatchObject({
        ok: false,
        failure: { code: 'LEAF_MISMATCH', seq: 5 },
      });
      expect(fold.seqs).toEqual([1, 2, 3, 4]);
    });

    it('reports the earlier failure when a fold failure comes before a damaged record', () => {
      log.editRecord(8, (record) => record.replace('ç', 'c'));
      expect(scanAuditLog(log, sha256, key.verifier, recordingFold(3))).toMatchObject({
        ok: false,
        failure: { code: 'RECORD_INVALID', seq: 3 },
      });
    });
  });
});
