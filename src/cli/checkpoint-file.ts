import { AuditResult, failed } from '../domain/audit/audit-failure';
import { SignedCheckpoint } from '../domain/audit/checkpoint';
import { parseCheckpointDocument } from '../domain/audit/checkpoint-document';
import { parseCheckpointNote } from '../domain/audit/checkpoint-note';
import { HashFn } from '../domain/audit/hash';
import { SignatureVerifier } from '../domain/ports/signature-verifier.port';
import { parseJsonText, readTextFile } from './audit-verdict';

/**
 * A checkpoint someone kept: a signed note as `ferry audit checkpoint` prints it, or a JSON document (its
 * `--json` form, and the only form of checkpoints from before the log had a name). A note is read with
 * the key it is meant to be signed by; either way the signature is checked later.
 */
export async function readCheckpointFile(
  path: string,
  hash: HashFn,
  trustedKey: SignatureVerifier | undefined,
): Promise<AuditResult<SignedCheckpoint>> {
  const text = await readTextFile(path);
  return text.ok ? parseCheckpointFileText(text.value, path, hash, trustedKey) : text;
}

/** The same, from the file's text already read (`path` only names it in messages). */
export function parseCheckpointFileText(
  text: string,
  path: string,
  hash: HashFn,
  trustedKey: SignatureVerifier | undefined,
): AuditResult<SignedCheckpoint> {
  if (!text.trimStart().startsWith('{')) {
    if (trustedKey === undefined) return failed('UNREADABLE', 'there is no public key to read the note with');
    return parseCheckpointNote(hash, text, trustedKey, path);
  }
  const json = parseJsonText(text, path);
  return json.ok ? parseCheckpointDocument(json.value, path) : json;
}
