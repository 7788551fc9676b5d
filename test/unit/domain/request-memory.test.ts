import { Catalogue } from '../../../src/domain/catalogue';
import { FerryEvent } from '../../../src/domain/events';
import { REQUEST_ID_WINDOW_MS } from '../../../src/domain/request-memory';

const origin = { actor: 'alice', session: 's', remote: 'r' };
const sha = 'a'.repeat(64);
let seq = 0;
const at = (ms: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + ms).toISOString();
const upload = (name: string, version: number, ms: number, requestId?: string): FerryEvent =>
  ({
    ...origin,
    seq: ++seq,
    id: `e${seq}`,
    at: at(ms),
    type: 'FileUploaded',
    payload: { name, version, sha256: sha, size: 1, ...(requestId ? { requestId } : {}) },
  }) as FerryEvent;

describe('request ids', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('are remembered for a day of event time, then forgotten', () => {
    const catalogue = new Catalogue();
    catalogue.apply(upload('a', 1, 0, 'first'));
    catalogue.apply(upload('b', 1, REQUEST_ID_WINDOW_MS - 1, 'second'));
    expect(catalogue.outcomeOf('alice', 'first')).toMatchObject({
      seq: 1,
      payload: { name: 'a', requestId: 'first' },
    });
    expect(catalogue.outcomeOf('bob', 'first')).toBeUndefined();

    catalogue.apply(upload('c', 1, REQUEST_ID_WINDOW_MS + 1));
    expect(catalogue.outcomeOf('alice', 'first')).toBeUndefined();
    expect(catalogue.outcomeOf('alice', 'second')).toMatchObject({ seq: 2, payload: { name: 'b' } });
  });

  it('are still remembered by a file event exactly a day later', () => {
    const catalogue = new Catalogue();
    catalogue.apply(upload('a', 1, 0, 'first'));
    catalogue.apply(upload('b', 1, REQUEST_ID_WINDOW_MS));
    expect(catalogue.outcomeOf('alice', 'first')).toBeDefined();
    catalogue.apply(upload('c', 1, REQUEST_ID_WINDOW_MS + 1));
    expect(catalogue.outcomeOf('alice', 'first')).toBeUndefined();
  });
});

describe('listing by prefix', () => {
  it('returns live names under the prefix, sorted, whatever order they arrived in', () => {
    seq = 0;
    const catalogue = new Catalogue();
    for (const [i, name] of ['b/2', 'a', 'b/1', 'ab', 'b', 'c/x', 'b/10', 'b0'].entries()) {
      catalogue.apply(upload(name, 1, i));
    }
    expect(catalogue.list('b/').map((f) => f.name)).toEqual(['b/1', 'b/10', 'b/2']);
    expect(catalogue.list('a').map((f) => f.name)).toEqual(['a', 'ab']);
    expect(catalogue.list('b').map((f) => f.name)).toEqual(['b', 'b/1', 'b/10', 'b/2', 'b0']);
    expect(catalogue.list('zz')).toEqual([]);
    expect(catalogue.list().map((f) => f.name)).toEqual(['a', 'ab', 'b', 'b/1', 'b/10', 'b/2', 'b0', 'c/x']);
  });
});
