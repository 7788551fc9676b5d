import { HistoryRecord, ListedFile } from '../transport/client/listing';

/** A listing (one page of it) a person can read: size, version, time, name. */
export function formatListing(files: readonly ListedFile[]): string {
  if (files.length === 0) return '';
  const width = Math.max(...files.map((f) => String(f.size).length));
  return files.map((f) => `${String(f.size).padStart(width)}  v${f.version}  ${f.at}  ${f.name}\n`).join('');
}

export function formatStat(file: ListedFile): string {
  const rows: Array<[string, string | number]> = [
    ['name', file.name],
    ['version', file.version],
    ['size', file.size],
    ['sha256', file.sha256],
    ['uploaded', `${file.at} by ${file.by}`],
  ];
  if (file.restoredFrom !== undefined) rows.push(['restored from', `version ${file.restoredFrom}`]);
  if (file.renamedFrom !== undefined) {
    rows.push(['renamed from', `${file.renamedFrom} version ${file.renamedFromVersion}`]);
  }
  return rows.map(([key, value]) => `${`${key}:`.padEnd(15)}${value}\n`).join('');
}

export function formatHistory(history: readonly HistoryRecord[]): string {
  return history
    .map((entry) => {
      return `${entry.at}  ${entry.action.padEnd(8)}  v${entry.version}  by ${entry.by}${historyDetail(entry)}\n`;
    })
    .join('');
}

function historyDetail(entry: HistoryRecord): string {
  if (entry.action === 'deleted') return '';
  if (entry.action === 'renamed-to') return `  to ${entry.renamedTo}`;
  const from =
    entry.renamedFrom !== undefined
      ? `  from ${entry.renamedFrom} v${entry.renamedFromVersion}`
      : entry.restoredFrom
        ? `  from v${entry.restoredFrom}`
        : '';
  return `  ${entry.size} bytes  ${entry.sha256?.slice(0, 12)}${from}`;
}

/** 1023 B, 1.5 KiB, 2.0 GiB: sizes for a person. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
