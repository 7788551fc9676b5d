import Database from 'better-sqlite3';
import { CosignatureTable } from '../../src/infra/sqlite/cosignature-table';
import { migrate } from '../../src/infra/sqlite/migrations';

describe('the cosignatures table', () => {
  it('reads every cosignature, largest size first, across pages, and none of an older schema', () => {
    const db = new Database(':memory:');
    migrate(db, () => '2026-01-01T00:00:00.000Z');
    const table = new CosignatureTable(db);
    // 1,200 sizes, two witnesses each: pages of 1,000 rows end inside a size.
    for (let size = 1; size <= 1200; size++) {
      for (const witness of ['w1', 'w2']) table.add({ size, witness, line: `${witness}@${size}\n` }, '');
    }
    const read = [...table.newestFirst()];
    expect(read).toHaveLength(2400);
    expect(read.slice(0, 3).map((row) => row.line)).toEqual(['w2@1200\n', 'w1@1200\n', 'w2@1199\n']);
    expect(new Set(read.map((row) => row.line)).size).toBe(2400);
    expect(read.every((row, i) => i === 0 || read[i - 1].size >= row.size)).toBe(true);
    expect(table.latestSizeOf('w1')).toBe(1200);
    expect(table.latestSizeOf('w3')).toBe(0);
    db.close();

    const older = new Database(':memory:');
    expect([...new CosignatureTable(older).newestFirst()]).toEqual([]);
    expect(() => new CosignatureTable(older).add({ size: 1, witness: 'w', line: '' }, '')).toThrow(/missing/);
    older.close();
  });
});
