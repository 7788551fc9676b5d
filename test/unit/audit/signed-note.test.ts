import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { checkCheckpointSignature, signCheckpoint } from '../../../src/domain/audit/checkpoint';
import { checkpointNote, parseCheckpointNote } from '../../../src/domain/audit/checkpoint-note';
import { fromBase64, toBase64 } from '../../../src/domain/audit/hash';
import {
  formatSignedNote,
  parseSignedNote,
  parseVerifierKey,
  verifierKey,
} from '../../../src/domain/audit/signed-note';
import { Ed25519Signer, Ed25519Verifier } from '../../../src/infra/crypto/ed25519-keys';
import { sha256 } from '../../../src/infra/crypto/sha256';

/** The verifier key in the documentation of Go's golang.org/x/mod/sumdb/note: written by others. */
const GO_EXAMPLE_KEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';

function newKey(): { signer: Ed25519Signer; verifier: Ed25519Verifier } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    signer: new Ed25519Signer(privateKey),
    verifier: new Ed25519Verifier(createPublicKey(privateKey)),
  };
}

describe('C2SP signed notes', () => {
  it("reads the Go note package's example verifier key, and writes it back the same", () => {
    const parsed = parseVerifierKey(sha256, GO_EXAMPLE_KEY);
    expect(parsed?.keyName).toBe('PeterNeumann');
    expect(verifierKey(sha256, parsed!.keyName, parsed!.publicKey)).toBe(GO_EXAMPLE_KEY);
  });

  it('refuses a verifier key whose key id does not match its name and key, or that is not Ed25519', () => {
    expect(parseVerifierKey(sha256, GO_EXAMPLE_KEY.replace('c74f20a3', 'c74f20a4'))).toBeUndefined();
    expect(parseVerifierKey(sha256, GO_EXAMPLE_KEY.replace('PeterNeumann', 'PeterNeuman'))).toBeUndefined();
    expect(parseVerifierKey(sha256, GO_EXAMPLE_KEY.replace('+ARpc', '+AhRpc'))).toBeUndefined();
    expect(parseVerifierKey(sha256, 'no plus signs')).toBeUndefined();
  });

  it('writes and reads a note: text, blank line, one line per signature', () => {
    const note = {
      text: 'example.com/log\n3\nAAAA\n',
      signatures: [
        { keyName: 'example.com/log', keyId: Uint8Array.of(1, 2, 3, 4), signature: new Uint8Array(64) },
      ],
    };
    const written = formatSignedNote(note);
    expect(written).toBe(
      `example.com/log\n3\nAAAA\n\n\u2014 example.com/log ${toBase64(new Uint8Array([1, 2, 3, 4, ...new Uint8Array(64)]))}\n`,
    );
    expect(parseSignedNote(written)).toEqual(note);
  });

  it.each([
    ['no blank line before the signatures', 'a\n\u2014 k AQIDBAU=\n'],
    ['no signature', 'a\n\n'],
    ['a line that is not a signature', 'a\n\nsomething else\n'],
    ['a signature that is not base64', 'a\n\n\u2014 k not*base64\n'],
    ['no final newline', 'a\n\n\u2014 k AQIDBAU='],
  ])('refuses a note with %s', (_, text) => {
    expect(parseSignedNote(text)).toBeUndefined();
  });

  it('takes only canonical standard base64', () => {
    expect(fromBase64('AQID')).toEqual(Uint8Array.of(1, 2, 3));
    expect(fromBase64('AQI=')).toEqual(Uint8Array.of(1, 2));
    expect(fromBase64('AQJ=')).toBeUndefined();
    expect(fromBase64('AQ-_')).toBeUndefined();
  });
});

describe('checkpoints as C2SP tlog-checkpoint notes', () => {
  const head = { size: 12, root: new Uint8Array(32).fill(5), at: '2026-11-30T00:00:00.000Z' };

  it('signs the note text, prints it as a note, and reads it back as the same signed checkpoint', () => {
    const { signer, verifier } = newKey();
    const checkpoint = signCheckpoint(signer, head, 'example.com/ferry');
    const note = checkpointNote(sha256, checkpoint, verifier.rawPublicKey);
    expect(note.split('\n').slice(0, 4)).toEqual(['example.com/ferry', '12', toBase64(head.root), '']);
    const read = parseCheckpointNote(sha256, note, verifier);
    expect(read).toMatchObject({ ok: true, value: { origin: 'example.com/ferry', size: 12, at: '' } });
    expect(read.ok && checkCheckpointSignature(verifier, read.value).ok).toBe(true);
  });

  it('refuses a note whose size, root or origin was changed, and one signed by another key', () => {
    const { signer, verifier } = newKey();
    const note = checkpointNote(
      sha256,
      signCheckpoint(signer, head, 'example.com/ferry'),
      verifier.rawPublicKey,
    );
    const changedSize = parseCheckpointNote(sha256, note.replace('\n12\n', '\n13\n'), verifier);
    expect(changedSize.ok && checkCheckpointSignature(verifier, changedSize.value).ok).toBe(false);
    const changedRoot = note.replace(toBase64(head.root), toBase64(new Uint8Array(32).fill(6)));
    const rooted = parseCheckpointNote(sha256, changedRoot, verifier);
    expect(rooted.ok && checkCheckpointSignature(verifier, rooted.value).ok).toBe(false);
    // Another origin is another key name: the log's signature is not found under it.
    expect(
      parseCheckpointNote(sha256, note.replace('example.com/ferry\n', 'example.com/other\n'), verifier),
    ).toMatchObject({
      ok: false,
      failure: { code: 'SIGNATURE_INVALID' },
    });
    expect(parseCheckpointNote(sha256, note, newKey().verifier)).toMatchObject({ ok: false });
  });
});
