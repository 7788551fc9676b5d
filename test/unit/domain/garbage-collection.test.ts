import { Catalogue } from '../../../src/domain/catalogue';
import { FerryEvent } from '../../../src/domain/events';
import { planGarbageCollection } from '../../../src/domain/garbage-collection';

const sha = (label: string) => label.repeat(64).slice(0, 64);
const origin = { actor: 'tester', session: 's', remote: 'r' };

function catalogueOf(
  events: Array<Omit<FerryEvent, 'seq' | 'id' | 'actor' | 'session' | 'remote'>>,
): Catalogue {
  const catalogue = new Catalogue();
  events.forEach((event, i) =>
    catalogue.apply({ ...origin, ...event, seq: i + 1, id: `e${i}` } as FerryEvent),
  );
  return catalogue;
}

const upload = (name: string, version: number, content: string, at: string) =>
  ({ type: 'FileUploaded', at, payload: { name, version, sha256: sha(content), size: 1 } }) as const;
const deletion = (name: string, version: number, at: string) =>
  ({ type: 'FileDeleted', at, payload: { name, version } }) as const;

describe('planGarbageCollection', () => {
  const now = new Date('2026-03-01T00:00:00.000Z');
  const catalogue = catalogueOf([
    upload('a', 1, 'a', '2026-01-01T00:00:00.000Z'),
    upload('a', 2, 'b', '2026-01-10T00:00:00.000Z'), // a v1 ended 2026-01-10
    upload('c', 1, 'c', '2026-01-01T00:00:00.000Z'),
    deletion('c', 1, '2026-02-25T00:00:00.000Z'), // c v1 ended 4 days ago
    upload('d', 1, 'd', '2026-01-01T00:00:00.000Z'),
    deletion('d', 1, '2026-01-02T00:00:00.000Z'), // d v1 ended long ago
    upload('e', 1, 'd', '2026-01-03T00:00:00.000Z'), // same bytes as d, live
  ]);
  const stored = [sha('a'), sha('b'), sha('c'), sha('d'), sha('f')]; // f: an orphan

  it('keeps live versions and versions replaced or deleted within the retention period', () => {
    const plan = planGarbageCollection(catalogue, stored, now, 30);
    expect(plan.blobs).toEqual([sha('a'), sha('f')].sort());
    expect(plan.versions).toEqual([{ name: 'a', version: 1 }]);
  });

  it('with no retention keeps only what is live, and never bytes a live version shares', () => {
    const plan = planGarbageCollection(catalogue, stored, now, 0);
    expect(plan.blobs).toEqual([sha('a'), sha('c'), sha('f')].sort());
    expect(plan.versions).toEqual([
      { name: 'a', version: 1 },
      { name: 'c', version: 1 },
    ]);
  });

  it('marks collected bytes so downloads of those versions are refused, until the content is uploaded again', () => {
    const collected = catalogueOf([
      upload('a', 1, 'a', '2026-01-01T00:00:00.000Z'),
      upload('a', 2, 'b', '2026-01-02T00:00:00.000Z'),
      {
        type: 'GarbageCollected',
        at: '2026-01-03T00:00:00.000Z',
        payload: { retentionDays: 0, blobs: [sha('a')], versions: [{ name: 'a', version: 1 }] },
      },
    ]);
    expect(collected.isCollected(sha('a'))).toBe(true);
    expect(Catalogue.fromSnapshot(collected.toSnapshot())?.isCollected(sha('a'))).toBe(true);
    collected.apply({
      ...origin,
      ...upload('z', 1, 'a', '2026-01-04T00:00:00.000Z'),
      seq: 4,
      id: 'e4',
    } as FerryEvent);
    expect(collected.isCollected(sha('a'))).toBe(false);
  });
});
