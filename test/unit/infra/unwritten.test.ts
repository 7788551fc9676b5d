import { unwritten } from '../../../src/infra/storage/disk-file-store';

/** What a short `writev` leaves to write again: whole chunks skipped, the first one left cut. */
describe('unwritten: the rest of a short writev', () => {
  const chunks = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')];
  const text = (left: Uint8Array[]) => Buffer.concat(left).toString();

  it.each([
    [0, 'abcdefgh', 3],
    [2, 'cdefgh', 3],
    [3, 'defgh', 2],
    [5, 'fgh', 2],
    [7, 'h', 1],
    [8, '', 0],
  ])('after %i bytes written, %j is left in %i chunks', (written, left, count) => {
    const rest = unwritten(chunks, written);
    expect(text(rest)).toBe(left);
    expect(rest).toHaveLength(count);
  });

  it('leaves the chunks it was given as they were', () => {
    unwritten(chunks, 5);
    expect(chunks.map((chunk) => chunk.toString())).toEqual(['abc', 'defg', 'h']);
  });
});
