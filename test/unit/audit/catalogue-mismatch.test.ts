import { catalogueMismatch } from '../../../src/domain/audit/catalogue-mismatch';

describe('catalogueMismatch, the verdict on catalogue tables that differ from the log', () => {
  const failureOf = (result: ReturnType<typeof catalogueMismatch>) => {
    if (result.ok) throw new Error('it passed');
    return result.failure;
  };

  it('names the table, the row and the column, with both values, and the remedy', () => {
    const failure = failureOf(
      catalogueMismatch({
        kind: 'row',
        table: 'catalogue_versions',
        row: '"report.pdf" version 2',
        change: 'changed',
        column: 'size',
        stored: '1001',
        expected: '1000',
      }),
    );
    expect(failure.code).toBe('CATALOGUE_MISMATCH');
    expect(failure.message).toContain('catalogue_versions, "report.pdf" version 2');
    expect(failure.message).toContain('size is 1001 in the data folder, 1000 from the log');
    expect(failure.message).toContain('with the server stopped, run `ferry admin rebuild`');
  });

  it.each([
    ['missing', 'the log gives this row, the data folder lacks it'],
    ['extra', 'the data folder has this row, the log does not give it'],
  ] as const)('says which side a %s row is on', (change, words) => {
    const failure = failureOf(
      catalogueMismatch({ kind: 'row', table: 'catalogue_names', row: '"a"', change }),
    );
    expect(failure).toMatchObject({ code: 'CATALOGUE_MISMATCH' });
    expect(failure.message).toContain(`catalogue_names, "a": ${words}`);
  });

  it('takes tables behind the log for a mismatch that a start or a rebuild mends', () => {
    const failure = failureOf(catalogueMismatch({ kind: 'position', stored: 40, logSize: 52 }));
    expect(failure.code).toBe('CATALOGUE_MISMATCH');
    expect(failure.message).toMatch(/^catalogue_position: .* up to seq 40 but the log has 52/);
    expect(failure.message).toContain('ferry admin rebuild');
  });

  it('takes tables ahead of the log for a removed tail, and does not advise erasing the evidence', () => {
    const failure = failureOf(catalogueMismatch({ kind: 'position', stored: 60, logSize: 52 }));
    expect(failure).toMatchObject({ code: 'LOG_TRUNCATED', seq: 53 });
    expect(failure.message).toContain('events 53 to 60 were removed');
    expect(failure.message).not.toContain('rebuild');
  });
});
