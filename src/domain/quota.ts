import { Quota } from './accounts';
import { Usage } from './file-versions';
import { CatalogueReader } from './ports/catalogue-store.port';
import { fail, ok, Result } from './errors';

/**
 * Whether `actor` may make a live version of `size` bytes at `name`. Usage is what the actor's live
 * versions take now (from the catalogue, so it never drifts), plus `pending`: uploads of theirs already
 * under way. Replacing one's own live version frees its bytes first.
 */
export function checkQuota(
  quota: Quota,
  catalogue: CatalogueReader,
  actor: string,
  name: string,
  size: number,
  pending: Usage = { files: 0, bytes: 0 },
): Result<void> {
  if (quota.bytes === undefined && quota.files === undefined) return ok(undefined);
  const now = catalogue.usage(actor);
  const replaced = catalogue.live(name);
  const freed = replaced?.actor === actor ? { files: 1, bytes: replaced.size } : { files: 0, bytes: 0 };
  const files = now.files + pending.files - freed.files + 1;
  const bytes = now.bytes + pending.bytes - freed.bytes + size;
  if (quota.files !== undefined && files > quota.files) {
    return fail('QUOTA_EXCEEDED', `the quota of ${quota.files} files would be exceeded`);
  }
  if (quota.bytes !== undefined && bytes > quota.bytes) {
    return fail('QUOTA_EXCEEDED', `the quota of ${quota.bytes} bytes would be exceeded (${bytes} needed)`);
  }
  return ok(undefined);
}

/** `checkQuota` with the quota the actor's account has now; actors without an account have none. */
export function checkActorQuota(
  catalogue: CatalogueReader,
  actor: string,
  name: string,
  size: number,
  pending?: Usage,
): Result<void> {
  const quota = catalogue.accounts.get(actor)?.quota ?? {};
  return checkQuota(quota, catalogue, actor, name, size, pending);
}

/**
 * Whether `actor` may rename `from` to `to`: the new version is the renamer's (as a restored one is the
 * restorer's), so it counts against the renamer, less what the rename ends that counted for them: the
 * source's live version, and a live target it replaces.
 */
export function checkRenameQuota(
  catalogue: CatalogueReader,
  actor: string,
  from: string,
  to: string,
  size: number,
): Result<void> {
  const quota = catalogue.accounts.get(actor)?.quota ?? {};
  const source = catalogue.live(from);
  const freed = source?.actor === actor ? { files: 1, bytes: source.size } : { files: 0, bytes: 0 };
  // The target's own live version is freed by checkQuota itself.
  return checkQuota(quota, catalogue, actor, to, size, { files: -freed.files, bytes: -freed.bytes });
}
