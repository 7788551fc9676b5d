import { AuditResult, failed } from './audit-failure';
import { ProjectionDifference } from '../ports/scratch-projection.port';

const REMEDY =
  'the server answers from these tables: with the server stopped, run `ferry admin rebuild` to fold them ' +
  'again from the log';

/**
 * The verdict on a data folder's catalogue tables that differ from the log folded afresh. Tables that
 * reflect events the log no longer has are evidence of a removed tail, like leaves stored past the end,
 * and are reported as such: rebuilding them would erase that evidence.
 */
export function catalogueMismatch(difference: ProjectionDifference): AuditResult<never> {
  if (difference.kind === 'position') {
    const { stored, logSize } = difference;
    if (stored > logSize) {
      return failed(
        'LOG_TRUNCATED',
        `the log ends at seq ${logSize} but the catalogue tables reflect events up to seq ${stored}: ` +
          `events ${logSize + 1} to ${stored} were removed (or catalogue_position was edited)`,
        { seq: logSize + 1 },
      );
    }
    return failed(
      'CATALOGUE_MISMATCH',
      `catalogue_position: the catalogue tables reflect events up to seq ${stored} but the log has ` +
        `${logSize}; a server catches up at start, else ${REMEDY}`,
    );
  }
  return failed(
    'CATALOGUE_MISMATCH',
    `the catalogue differs from the log folded afresh, first at ${difference.table}, ${difference.row}: ` +
      `${describeChange(difference)}; ${REMEDY}`,
  );
}

function describeChange(difference: Extract<ProjectionDifference, { kind: 'row' }>): string {
  switch (difference.change) {
    case 'missing':
      return 'the log gives this row, the data folder lacks it';
    case 'extra':
      return 'the data folder has this row, the log does not give it';
    case 'changed':
      return (
        `${difference.column ?? 'a column'} is ${difference.stored ?? '?'} in the data folder, ` +
        `${difference.expected ?? '?'} from the log`
      );
  }
}
