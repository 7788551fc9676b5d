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
    expect(collected.isCollected(sha('b'))).toBe(false);
    collected.apply({
      ...origin,
      ...upload('z', 1, 'a', '2026-01-04T00:00:00.000Z'),
      seq: 4,
      id: 'e4',
    } as FerryEvent);
    expect(collected.isCollected(sha('a'))).toBe(false);
  });

  it('lists the versions losing their bytes by name, then version, whatever order they were made in', () => {
    // b first, then a's versions 1 to 10 (10 sorts before 2 as text) with b's second among them.
    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
    const made = [upload('b', 1, 'x', at(0))];
    for (let version = 1; version <= 10; version++) {
      made.push(upload('a', version, 'y', at(version)));
      if (version === 5) made.push(upload('b', 2, 'x', at(5)));
    }
    const later = catalogueOf([...made, deletion('a', 10, at(30)), deletion('b', 2, at(31))]);
    const plan = planGarbageCollection(later, [sha('x'), sha('y')], now, 30);
    expect(plan.blobs).toEqual([sha('x'), sha('y')].sort());
    expect(plan.versions).toEqual([
      ...Array.from({ length: 10 }, (_, i) => ({ name: 'a', version: i + 1 })),
      { name: 'b', version: 1 },
      { name: 'b', version: 2 },
    ]);
  });
});

describe('Catalogue.allVersions', () => {
  it('gives every version, with endedAt once an upload, restore or delete ended it', () => {
    const catalogue = catalogueOf([
      upload('a', 1, 'a', '2026-01-01T00:00:00.000Z'),
      upload('a', 2, 'b', '2026-01-02T00:00:00.000Z'),
      deletion('a', 2, '2026-01-03T00:00:00.000Z'),
      {
        type: 'FileRestored',
        at: '2026-01-04T00:00:00.000Z',
        payload: { name: 'a', version: 3, fromVersion: 1, sha256: sha('a'), size: 1 },
      },
      upload('c', 1, 'c', '2026-01-05T00:00:00.000Z'),
    ]);
    const versions = [...catalogue.allVersions()]
      .map(({ name, version, endedAt }) => ({ name, version, endedAt }))
      .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.version - y.version));
    expect(versions).toEqual([
      { name: 'a', version: 1, endedAt: '2026-01-02T00:00:00.000Z' },
      { name: 'a', version: 2, endedAt: '2026-01-03T00:00:00.000Z' },
      { name: 'a', version: 3, endedAt: undefined },
      { name: 'c', version: 1, endedAt: undefined },
    ]);
    expect([...catalogue.allVersions()].filter((v) => 'endedAt' in v)).toHaveLength(2);
  });
});
