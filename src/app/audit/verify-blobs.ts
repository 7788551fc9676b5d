import { AuditResult, failed, passed } from '../../domain/audit/audit-failure';
import { BlobReference } from '../../domain/audit/blob-references';
import { toHex } from '../../domain/audit/hash';
import { FileStore, StoreError } from '../../domain/ports/file-store.port';
import { IncrementalHashFactory } from '../../domain/ports/incremental-hash.port';

/**
 * Streams every referenced blob through SHA-256, one at a time, stopping at the first one found wrong.
 * The references are read as they are checked, so none is held longer than its own check.
 */
export async function verifyBlobs(
  store: FileStore,
  newHash: IncrementalHashFactory,
  references: Iterable<BlobReference>,
): Promise<AuditResult<number>> {
  let checkedCount = 0;
  for (const reference of references) {
    const checked = await verifyBlob(store, newHash, reference);
    if (!checked.ok) return checked;
    checkedCount++;
  }
  return passed(checkedCount);
}

async function verifyBlob(
  store: FileStore,
  newHash: IncrementalHashFactory,
  reference: BlobReference,
): Promise<AuditResult<void>> {
  const { sha256, name, version, seq } = reference;
  const label = `blob ${sha256} of ${JSON.stringify(name)} version ${version} (uploaded in event ${seq})`;
  const hash = newHash();
  let size = 0;
  try {
    for await (const chunk of store.read(sha256)) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (error) {
    if (error instanceof StoreError && error.kind === 'not-found') {
      return failed('BLOB_MISSING', `${label} is missing`, { sha256 });
    }
    const why = error instanceof Error ? error.message : String(error);
    return failed('UNREADABLE', `${label} cannot be read: ${why}`, { sha256 });
  }
  if (toHex(hash.digest()) !== sha256) {
    return failed('BLOB_CORRUPT', `${label} no longer hashes to its SHA-256: its bytes were changed`, {
      sha256,
    });
  }
  if (size !== reference.size) {
    return failed('BLOB_CORRUPT', `${label} is ${size} bytes long, not the ${reference.size} recorded`, {
      sha256,
    });
  }
  return passed(undefined);
}
