import { StoreError } from '../../../src/domain/ports/file-store.port';
import { asStoreError } from '../../../src/infra/storage/store-errors';

function failure(code: string): Error {
  return Object.assign(new Error(`failed with ${code}`), { code });
}

describe('asStoreError', () => {
  it.each([
    ['ENOSPC', 'full'],
    ['EDQUOT', 'full'],
    ['SQLITE_FULL', 'full'],
    ['ENOENT', 'not-found'],
    ['EIO', 'io'],
    ['SQLITE_IOERR', 'io'],
  ])('says %s is %s, with the message kept', (code, kind) => {
    const translated = asStoreError(failure(code));
    expect(translated).toBeInstanceOf(StoreError);
    expect(translated).toMatchObject({ kind, message: `failed with ${code}` });
  });

  it('passes a StoreError through as it is', () => {
    const busy = new StoreError('busy', 'in use');
    expect(asStoreError(busy)).toBe(busy);
  });
});
