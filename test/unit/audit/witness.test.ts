import { signCheckpoint } from '../../../src/domain/audit/checkpoint';
import { checkpointNote } from '../../../src/domain/audit/checkpoint-note';
import { checkCosignature, cosign, cosignedBy, cosignedMessage } from '../../../src/domain/audit/cosignature';
import { leafHash } from '../../../src/domain/audit/merkle';
import { parseSignedNote, signatureLine, verifierKey } from '../../../src/domain/audit/signed-note';
import {
  AddCheckpointRequest,
  formatAddCheckpointRequest,
  MAX_PROOF_LINES,
  parseAddCheckpointRequest,
} from '../../../src/domain/witness/add-checkpoint-request';
import { judgeAddCheckpoint, WitnessedHead } from '../../../src/domain/witness/witness-decision';
import { refusalOf, witnessSizeOf } from '../../../src/app/audit/witness-refusal';
import { newTestKey } from '../../support/memory-audit-log';
import { readWitnessVerifierKey, witnessVerifierKey } from '../../../src/infra/crypto/verifier-keys';
import { eventBytes, flipBit, naiveMth, naiveProof, sha256 } from './merkle-fixtures';

const ORIGIN = 'example.com/log';
const log = newTestKey();
const leaves = Array.from({ length: 20 }, (_, seq) => leafHash(sha256, eventBytes(seq)));
/** Another history: the same first 7 leaves, then others. */
const forked = leaves.map((leaf, seq) => (seq < 7 ? leaf : leafHash(sha256, eventBytes(1000 + seq))));

function noteOf(size: number, history = leaves, key = log): string {
  const head = { size, root: naiveMth(history.slice(0, size)), at: '2026-11-30T00:00:00.000Z' };
  return checkpointNote(sha256, signCheckpoint(key.signer, head, ORIGIN), key.verifier.rawPublicKey);
}

function request(oldSize: number, size: number, history = leaves): AddCheckpointRequest {
  const proof = oldSize === 0 ? [] : naiveProof(oldSize, history.slice(0, size));
  return { oldSize, proof, note: noteOf(size, history) };
}

function headOf(size: number, history = leaves): WitnessedHead {
  return { size, root: naiveMth(history.slice(0, size)) };
}

function judge(body: AddCheckpointRequest, latest: WitnessedHead | undefined, keys = [log.verifier]) {
  return judgeAddCheckpoint(
    sha256,
    body,
    (origin) => (origin === ORIGIN ? keys : []),
    (origin) => (origin === ORIGIN ? latest : undefined),
  );
}

describe('C2SP tlog-cosignature/v1', () => {
  const witness = newTestKey();
  const named = { name: 'witness.example/w1', key: witness.verifier };
  const text = `${ORIGIN}\n5\n${Buffer.from(naiveMth(leaves.slice(0, 5))).toString('base64')}\n`;
  const cosignAt = (time: number) =>
    cosign(sha256, named.name, witness.signer, witness.verifier.rawPublicKey, text, time);

  it('signs "cosignature/v1", the time and the note text, and carries the time before the signature', () => {
    const signature = cosignAt(1700000000);
    expect(signature.signature).toHaveLength(72);
    expect(Buffer.from(signature.signature.slice(0, 8)).readBigUInt64BE()).toBe(1700000000n);
    const message = cosignedMessage(1700000000, text);
    expect(new TextDecoder().decode(message)).toBe(`cosignature/v1\ntime 1700000000\n${text}`);
    expect(witness.verifier.verify(message, signature.signature.slice(8))).toBe(true);
    expect(checkCosignature(sha256, named, text, signature)).toEqual({
      witness: named.name,
      time: 1700000000,
    });
  });

  it('refuses a cosignature with a flipped bit in its time, its signature or the note, or under another name', () => {
    const signature = cosignAt(1700000000);
    for (const bit of [3, 63, 64, 300, 575]) {
      expect(
        checkCosignature(sha256, named, text, { ...signature, signature: flipBit(signature.signature, bit) }),
      ).toBeUndefined();
    }
    expect(checkCosignature(sha256, named, text.replace('\n5\n', '\n6\n'), signature)).toBeUndefined();
    expect(
      checkCosignature(sha256, { ...named, name: 'witness.example/w2' }, text, signature),
    ).toBeUndefined();
    const other = { name: named.name, key: newTestKey().verifier };
    expect(checkCosignature(sha256, other, text, signature)).toBeUndefined();
  });

  it('counts each trusted witness once, however often it is named or has signed', () => {
    const second = newTestKey();
    const secondNamed = { name: 'witness.example/w2', key: second.verifier };
    const first = cosignAt(1);
    const again = cosignAt(2);
    expect(cosignedBy(sha256, [named, named, secondNamed], text, [first, again])).toEqual([
      { witness: named.name, time: 1 },
    ]);
  });

  it('writes a witness verifier key with the cosignature algorithm byte 0x04, and reads it back', () => {
    const key = witnessVerifierKey(named.name, witness.verifier);
    const encoded = key.split('+').slice(2).join('+');
    expect(Buffer.from(encoded, 'base64')[0]).toBe(0x04);
    expect(readWitnessVerifierKey(key)?.name).toBe(named.name);
    expect(readWitnessVerifierKey(key)?.key.keyId).toBe(witness.verifier.keyId);
    // The same name and key as a log's verifier key (0x01) is not a witness's key; a wrong id is refused.
    expect(
      readWitnessVerifierKey(verifierKey(sha256, named.name, witness.verifier.rawPublicKey)),
    ).toBeUndefined();
    expect(readWitnessVerifierKey(key.replace(/\+[^+]+\+/, '+00000000+'))).toBeUndefined();
  });
});

describe('the add-checkpoint request body', () => {
  it('is "old <size>", the proof one base64 hash a line, a blank line, then the note; and reads back', () => {
    const body = request(4, 9);
    const text = formatAddCheckpointRequest(body);
    expect(text.startsWith(`old 4\n${Buffer.from(body.proof[0]).toString('base64')}\n`)).toBe(true);
    expect(text.endsWith(`\n\n${body.note}`)).toBe(true);
    expect(parseAddCheckpointRequest(text)).toEqual({ ok: true, request: body });
    expect(parseAddCheckpointRequest(formatAddCheckpointRequest(request(0, 3)))).toMatchObject({
      ok: true,
      request: { oldSize: 0, proof: [] },
    });
  });

  it.each([
    ['no blank line', 'old 0\nexample\n'],
    ['no old line', 'new 0\n\nnote\n'],
    ['a leading zero', 'old 01\n\nnote\n'],
    ['a proof line that is not a hash', 'old 1\nAAAA\n\nnote\n'],
    [
      'too many proof lines',
      `old 1\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(MAX_PROOF_LINES + 1)}\nnote\n`,
    ],
  ])('refuses a body with %s', (_, body) => {
    expect(parseAddCheckpointRequest(body).ok).toBe(false);
  });
});

describe("a witness's judgement (tlog-witness)", () => {
  it('cosigns the first checkpoint of a log, from old size 0 with no proof', () => {
    expect(judge(request(0, 5), undefined)).toMatchObject({
      kind: 'cosign',
      origin: ORIGIN,
      head: headOf(5),
    });
  });

  it('cosigns a checkpoint proven to extend the last one it cosigned, and the same one again', () => {
    expect(judge(request(5, 13), headOf(5))).toMatchObject({ kind: 'cosign', head: headOf(13) });
    expect(judge(request(13, 13), headOf(13))).toMatchObject({ kind: 'cosign', head: headOf(13) });
  });

  it('holds a log of size 0 to the empty tree: its root is the hash of nothing', () => {
    const empty = { oldSize: 0, proof: [], note: noteOf(0) };
    expect(judge(empty, undefined)).toMatchObject({ kind: 'cosign', head: { size: 0 } });
    const rootOfSomething = checkpointNote(
      sha256,
      signCheckpoint(log.signer, { size: 0, root: naiveMth(leaves.slice(0, 1)), at: '' }, ORIGIN),
      log.verifier.rawPublicKey,
    );
    expect(judge({ oldSize: 0, proof: [], note: rootOfSomething }, undefined)).toMatchObject({
      kind: 'refuse',
      status: 409,
    });
  });

  it('refuses an unknown log (404) and a checkpoint no trusted key signed (403)', () => {
    expect(judge(request(0, 5), undefined, [])).toMatchObject({ kind: 'refuse', status: 404 });
    const forger = newTestKey();
    const forged = { oldSize: 0, proof: [], note: noteOf(5, leaves, forger) };
    expect(judge(forged, undefined)).toMatchObject({ kind: 'refuse', status: 403 });
    // Once the forger's key is trusted for the log as well, its signature counts: trust is in keys.
    expect(judge(forged, undefined, [log.verifier, forger.verifier])).toMatchObject({ kind: 'cosign' });
  });

  it('refuses an old size past the checkpoint (400) and a note that is not a checkpoint (400)', () => {
    expect(judge({ ...request(0, 5), oldSize: 6 }, headOf(6))).toMatchObject({ kind: 'refuse', status: 400 });
    const note = parseSignedNote(noteOf(5))!;
    const notCheckpoint = {
      oldSize: 0,
      proof: [],
      note: `not a checkpoint\n\n${note.signatures.map(signatureLine).join('')}`,
    };
    expect(judge(notCheckpoint, undefined)).toMatchObject({ kind: 'refuse', status: 400 });
  });

  it('answers 409 with its own size when the old size is not the last it cosigned', () => {
    expect(judge(request(0, 9), headOf(5))).toMatchObject({ kind: 'refuse', status: 409, latestSize: 5 });
    expect(judge(request(3, 9), headOf(5))).toMatchObject({ kind: 'refuse', status: 409, latestSize: 5 });
  });

  it('refuses a split view: the same size with another root (409), kept as evidence', () => {
    const verdict = judge(request(9, 9, forked), headOf(9));
    expect(verdict).toMatchObject({ kind: 'refuse', status: 409, latestSize: 9, evidence: true });
  });

  it('refuses a checkpoint that does not extend the last one (422), and a proof that does not hold', () => {
    // The fork proves consistency with its own size-5 tree (same first 7 leaves), not with the witness's 9.
    expect(judge(request(9, 15, forked), headOf(9))).toMatchObject({
      kind: 'refuse',
      status: 422,
      evidence: true,
    });
    const honest = request(5, 13);
    const damaged = { ...honest, proof: honest.proof.map((node, i) => (i === 0 ? flipBit(node, 7) : node)) };
    expect(judge(damaged, headOf(5))).toMatchObject({ kind: 'refuse', status: 422 });
    expect(judge({ ...request(0, 5), proof: [leaves[0]] }, undefined)).toMatchObject({
      kind: 'refuse',
      status: 422,
    });
  });
});

describe("a witness's refusal, in words for the log", () => {
  const answer = (status: number, body: string) => ({ status, body });

  it('tells a split view from a witness ahead of the log and one whose size moves, each a kind of its own', () => {
    expect(refusalOf(answer(409, '9\n'), 9, 12)).toMatchObject({ kind: 'split-view', status: 409 });
    expect(refusalOf(answer(409, '20\n'), 9, 12)).toMatchObject({ kind: 'witness-ahead' });
    expect(refusalOf(answer(409, '10\n'), 9, 12)).toMatchObject({ kind: 'witness-moving' });
    expect(refusalOf(answer(409, 'conflict\n'), 9, 12)).toMatchObject({
      kind: 'http-409',
      reason: 'HTTP 409: conflict',
    });
    expect(witnessSizeOf(answer(409, '12'))).toBe(12);
    expect(witnessSizeOf(answer(422, '12\n'))).toBeUndefined();
  });

  it("keeps the witness's first line only, without characters that control or hide text", () => {
    const said = refusalOf(answer(403, 'no\u202E key\u200B for\u2028 you\u0007\nsecond line'), 0, 5);
    expect(said).toEqual({ kind: 'http-403', status: 403, reason: 'HTTP 403: no key for you' });
    expect(refusalOf(answer(404, ''), 0, 5).reason).toBe('HTTP 404');
  });
});
