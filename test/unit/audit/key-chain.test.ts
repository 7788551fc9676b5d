import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { signCheckpoint } from '../../../src/domain/audit/checkpoint';
import { readKeyChain } from '../../../src/domain/audit/key-chain';
import { Ed25519Signer, Ed25519Verifier } from '../../../src/infra/crypto/ed25519-keys';
import { publicKeyFromPem } from '../../../src/infra/crypto/signing-key-files';
import { MemoryAuditLog } from '../../support/memory-audit-log';

/** A key as the log names it (PEM), with its signer and verifier. */
function newKey() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const verifier = new Ed25519Verifier(createPublicKey(privateKey));
  return { signer: new Ed25519Signer(privateKey), verifier, pem: verifier.publicKeyText };
}

function rotationRecord(
  seq: number,
  previous: ReturnType<typeof newKey>,
  next: ReturnType<typeof newKey>,
): string {
  return JSON.stringify({
    seq,
    type: 'SigningKeyRotated',
    payload: {
      previousKeyId: previous.verifier.keyId,
      previousPublicKey: previous.pem,
      keyId: next.verifier.keyId,
      publicKey: next.pem,
    },
  });
}

describe('the chain of keys that signed a log', () => {
  const head = (size: number) => ({
    size,
    root: new Uint8Array(32).fill(size),
    at: '2026-11-30T00:00:00.000Z',
  });
  const first = newKey();
  const second = newKey();
  const log = new MemoryAuditLog();
  log.rows = [{ seq: 5, record: rotationRecord(5, first, second) }];

  it('takes a checkpoint by the key in force at its size, from either end of the chain', () => {
    for (const trusted of [first.verifier, second.verifier]) {
      const chain = readKeyChain(log, trusted, publicKeyFromPem);
      expect(chain.ok).toBe(true);
      if (!chain.ok) continue;
      expect(chain.value.check(signCheckpoint(first.signer, head(3))).ok).toBe(true);
      const proving = signCheckpoint(first.signer, head(5));
      expect(chain.value.check(proving).ok).toBe(true);
      chain.value.signed(proving);
      const later = signCheckpoint(second.signer, head(8));
      expect(chain.value.check(later).ok).toBe(true);
      chain.value.signed(later);
      expect(chain.value.finish().ok).toBe(true);
      expect(chain.value.check(signCheckpoint(first.signer, head(9)))).toMatchObject({ ok: false });
    }
  });

  it('refuses a later checkpoint while the change has no checkpoint of its own size by the old key', () => {
    const chain = readKeyChain(log, first.verifier, publicKeyFromPem);
    expect(chain.ok && chain.value.check(signCheckpoint(second.signer, head(8)))).toMatchObject({
      ok: false,
      failure: {
        code: 'SIGNATURE_INVALID',
        message: expect.stringContaining('never signed by the previous key'),
      },
    });
  });

  it('refuses a chain that ends in the trusted key when the trusted key signed nothing: a log forged under its own key', () => {
    const chain = readKeyChain(log, second.verifier, publicKeyFromPem);
    if (!chain.ok) throw new Error('no chain');
    const forgedProof = signCheckpoint(first.signer, head(5));
    expect(chain.value.check(forgedProof).ok).toBe(true);
    chain.value.signed(forgedProof);
    expect(chain.value.finish()).toMatchObject({ ok: false, failure: { code: 'SIGNATURE_INVALID' } });
  });

  it('refuses a change whose named key is not the key its id says', () => {
    const lying = new MemoryAuditLog();
    const record = JSON.parse(rotationRecord(5, first, second)) as { payload: { publicKey: string } };
    record.payload.publicKey = newKey().pem;
    lying.rows = [{ seq: 5, record: JSON.stringify(record) }];
    expect(readKeyChain(lying, first.verifier, publicKeyFromPem)).toMatchObject({
      ok: false,
      failure: {
        code: 'SIGNATURE_INVALID',
        message: expect.stringContaining(`names a key that is not key ${second.verifier.keyId}`),
      },
    });
  });

  it('refuses a trusted key that is not in the chain, and a change that does not follow from the key in force', () => {
    expect(readKeyChain(log, newKey().verifier, publicKeyFromPem)).toMatchObject({ ok: false });
    const broken = new MemoryAuditLog();
    broken.rows = [
      { seq: 5, record: rotationRecord(5, first, second) },
      { seq: 9, record: rotationRecord(9, first, newKey()) },
    ];
    expect(readKeyChain(broken, first.verifier, publicKeyFromPem)).toMatchObject({
      ok: false,
      failure: { message: expect.stringContaining('does not follow from the key then in force') },
    });
  });
});
