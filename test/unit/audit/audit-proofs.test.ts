import { SignedCheckpoint } from '../../../src/domain/audit/checkpoint';
import { parseCheckpointDocument, toCheckpointDocument } from '../../../src/domain/audit/checkpoint-document';
import { toHex } from '../../../src/domain/audit/hash';
import {
  checkInclusionClaim,
  InclusionProofDocument,
  parseInclusionProofDocument,
} from '../../../src/domain/audit/inclusion-proof-document';
import { checkExtendsKeptCheckpoint } from '../../../src/domain/audit/kept-checkpoint';
import { inclusionProof, rootAt } from '../../../src/domain/audit/merkle';
import { sha256 } from '../../../src/infra/crypto/sha256';
import { eventFactory } from '../../support/domain-events';
import { MemoryAuditLog, newTestKey, TestKey } from '../../support/memory-audit-log';

const SIZE = 13;

function flipHexChar(hex: string, at: number): string {
  const flipped = hex[at] === '0' ? '1' : '0';
  return hex.slice(0, at) + flipped + hex.slice(at + 1);
}

describe('checkpoints kept elsewhere, and inclusion proofs', () => {
  let key: TestKey;
  let log: MemoryAuditLog;

  beforeAll(() => {
    key = newTestKey();
  });

  beforeEach(() => {
    const f = eventFactory();
    log = MemoryAuditLog.build(
      Array.from({ length: SIZE }, (_, i) => f.uploaded(`file-${i}`, 1)),
      [5, SIZE],
      key,
    );
  });

  const current = () => ({ size: log.rows.length, root: rootAt(sha256, log.nodeReader(), log.rows.length) });

  describe('checkExtendsKeptCheckpoint', () => {
    it('accepts a log that extends the kept checkpoint, and the checkpoint of the whole log', () => {
      for (const kept of log.checkpointList) {
        expect(checkExtendsKeptCheckpoint(sha256, key.verifier, log.nodeReader(), kept, current()).ok).toBe(
          true,
        );
      }
    });

    it('refuses a log that lost events the kept checkpoint covers', () => {
      const kept = log.checkpointList[1];
      log.rows = log.rows.slice(0, 9);
      log.rebuildNodes();
      const result = checkExtendsKeptCheckpoint(sha256, key.verifier, log.nodeReader(), kept, current());
      expect(result).toMatchObject({ ok: false, failure: { code: 'LOG_TRUNCATED', seq: 10 } });
    });

    it('refuses a log rewritten before the kept checkpoint, though every node matches the rewrite', () => {
      const kept = log.checkpointList[0];
      log.editRecord(2, (record) => record.replace('file-1', 'file-X'));
      log.rebuildNodes();
      const result = checkExtendsKeptCheckpoint(sha256, key.verifier, log.nodeReader(), kept, current());
      expect(result).toMatchObject({ ok: false, failure: { code: 'INCONSISTENT' } });
    });

    it('refuses a kept checkpoint whose signature does not hold', () => {
      const kept = { ...log.checkpointList[0], root: new Uint8Array(32) };
      const result = checkExtendsKeptCheckpoint(sha256, key.verifier, log.nodeReader(), kept, current());
      expect(result).toMatchObject({ ok: false, failure: { code: 'SIGNATURE_INVALID' } });
    });
  });

  describe('checkpoint documents', () => {
    it('round-trip', () => {
      const checkpoint = log.checkpointList[1];
      const parsed = parseCheckpointDocument(
        JSON.parse(JSON.stringify(toCheckpointDocument(checkpoint, 'PEM'))),
      );
      expect(parsed).toEqual({ ok: true, value: checkpoint });
    });

    it.each<[string, (document: Record<string, unknown>) => unknown]>([
      ['uppercase hex', (d) => ({ ...d, root: (d.root as string).toUpperCase() })],
      ['odd-length hex', (d) => ({ ...d, signature: (d.signature as string).slice(1) })],
      ['a negative size', (d) => ({ ...d, size: -1 })],
      ['a fractional size', (d) => ({ ...d, size: 1.5 })],
      ['a size as text', (d) => ({ ...d, size: '13' })],
      ['no time', (d) => ({ ...d, at: undefined })],
      ['an array', (d) => [d]],
      ['null', () => null],
    ])('are refused with %s', (_label, mutate) => {
      const document = { ...toCheckpointDocument(log.checkpointList[1]) } as Record<string, unknown>;
      expect(parseCheckpointDocument(mutate(document)).ok).toBe(false);
    });
  });

  describe('inclusion proofs', () => {
    function proofDocument(
      seq: number,
      checkpoint: SignedCheckpoint = log.checkpointList[1],
    ): InclusionProofDocument {
      return {
        seq,
        leafIndex: seq - 1,
        record: log.record(seq)!.record,
        checkpoint: toCheckpointDocument(checkpoint, key.verifier.publicKeyText),
        inclusionProof: inclusionProof(sha256, log.nodeReader(), seq - 1, checkpoint.size).map(toHex),
      };
    }

    function check(document: unknown, trusted = key.verifier) {
      const claim = parseInclusionProofDocument(JSON.parse(JSON.stringify(document)));
      return claim.ok ? checkInclusionClaim(sha256, trusted, claim.value) : claim;
    }

    it('hold for every event against every checkpoint that covers it', () => {
      for (const checkpoint of log.checkpointList) {
        for (let seq = 1; seq <= checkpoint.size; seq++) {
          expect(check(proofDocument(seq, checkpoint))).toMatchObject({ ok: true, value: { seq } });
        }
      }
    });

    it('fail when any character of any proof element is changed', () => {
      const document = proofDocument(6);
      document.inclusionProof.forEach((element, i) => {
        for (const at of [0, 31, 63]) {
          const proof = [...document.inclusionProof];
          proof[i] = flipHexChar(element, at);
          expect(check({ ...document, inclusionProof: proof })).toMatchObject({
            ok: false,
            failure: { code: 'PROOF_INVALID' },
          });
        }
      });
    });

    it.each<[string, (document: InclusionProofDocument) => unknown, string]>([
      ['an element dropped', (d) => ({ ...d, inclusionProof: d.inclusionProof.slice(1) }), 'PROOF_INVALID'],
      [
        'an element added',
        (d) => ({ ...d, inclusionProof: [...d.inclusionProof, d.inclusionProof[0]] }),
        'PROOF_INVALID',
      ],
      [
        'elements reordered',
        (d) => ({ ...d, inclusionProof: [...d.inclusionProof].reverse() }),
        'PROOF_INVALID',
      ],
      ['the record edited', (d) => ({ ...d, record: d.record.replace('file-5', 'file-6') }), 'PROOF_INVALID'],
      ['the record of another event', (d) => ({ ...d, record: log.record(7)!.record }), 'PROOF_INVALID'],
      [
        'the record re-serialised',
        (d) => ({ ...d, record: JSON.stringify(JSON.parse(d.record), null, 1) }),
        'PROOF_INVALID',
      ],
      ['another seq', (d) => ({ ...d, seq: 7, leafIndex: 6 }), 'PROOF_INVALID'],
      ['a leaf index that is not seq - 1', (d) => ({ ...d, leafIndex: 6 }), 'PROOF_INVALID'],
      [
        'a lone surrogate in the record',
        (d) => ({ ...d, record: d.record.replace('file-5', 'file-\ud800') }),
        'PROOF_INVALID',
      ],
      [
        'uppercase hex in the proof',
        (d) => ({ ...d, inclusionProof: d.inclusionProof.map((h) => h.toUpperCase()) }),
        'PROOF_INVALID',
      ],
      [
        'the root changed',
        (d) => ({ ...d, checkpoint: { ...d.checkpoint, root: flipHexChar(d.checkpoint.root, 10) } }),
        'SIGNATURE_INVALID',
      ],
      ['the size changed', (d) => ({ ...d, checkpoint: { ...d.checkpoint, size: 14 } }), 'SIGNATURE_INVALID'],
      [
        'the time changed',
        (d) => ({ ...d, checkpoint: { ...d.checkpoint, at: '2025-01-01T00:00:00.000Z' } }),
        'SIGNATURE_INVALID',
      ],
      [
        'the signature changed',
        (d) => ({ ...d, checkpoint: { ...d.checkpoint, signature: flipHexChar(d.checkpoint.signature, 3) } }),
        'SIGNATURE_INVALID',
      ],
      [
        'the signature truncated',
        (d) => ({ ...d, checkpoint: { ...d.checkpoint, signature: d.checkpoint.signature.slice(2) } }),
        'SIGNATURE_INVALID',
      ],
    ])('fail with %s', (_label, mutate, code) => {
      expect(check(mutate(proofDocument(6)))).toMatchObject({ ok: false, failure: { code } });
    });

    it('fail against a key other than the one trusted, whatever key the document carries', () => {
      const attacker = newTestKey();
      const forged = log.sign(SIZE, attacker);
      const document = { ...proofDocument(6, forged) };
      expect(check(document)).toMatchObject({ ok: false, failure: { code: 'SIGNATURE_INVALID' } });
      expect(check(document, attacker.verifier).ok).toBe(true);
    });
  });
});
