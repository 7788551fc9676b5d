import { Account } from '../domain/accounts';
import { FileVersion, HistoryEntry, Usage } from '../domain/file-versions';
import { fileLine } from './codec/replies';
import { option } from './codec/words';

/**
 * How a stored version reads on the wire: `<name> version= size= sha256= at= by=` (+ `restored-from=`,
 * or `renamed-from=<old name> renamed-from-version=`).
 */
export function versionLine(file: FileVersion): string {
  return fileLine(file.name, versionFields(file));
}

/**
 * One HISTORY line: what happened (`uploaded`, `restored`, `renamed-from`, `deleted`, `renamed-to`), then
 * its fields; `renamed-to` ends with `to=<new name>`.
 */
export function historyLine(entry: HistoryEntry): string {
  if ('deletion' in entry) {
    const { version, at, actor, seq, renamedTo } = entry.deletion;
    return [
      entry.kind,
      option('version', version),
      option('at', at),
      option('by', actor),
      option('seq', seq),
      ...(renamedTo === undefined ? [] : [option('to', renamedTo)]),
    ].join(' ');
  }
  const fields = { ...versionFields(entry.file), seq: entry.file.seq };
  return [entry.kind, ...Object.entries(fields).map(([key, value]) => option(key, value))].join(' ');
}

function versionFields(file: FileVersion): Record<string, string | number> {
  return {
    version: file.version,
    size: file.size,
    sha256: file.sha256,
    at: file.at,
    by: file.actor,
    ...(file.restoredFrom === undefined ? {} : { 'restored-from': file.restoredFrom }),
    ...(file.renamedFrom === undefined
      ? {}
      : { 'renamed-from': file.renamedFrom.name, 'renamed-from-version': file.renamedFrom.version }),
  };
}

/** One USER LIST line: `<name> role= [home=] disabled= [quota-bytes=] [quota-files=] files= bytes=`. */
export function accountLine(account: Account, usage: Usage): string {
  return fileLine(account.name, {
    role: account.role,
    ...(account.prefix === undefined ? {} : { home: account.prefix }),
    disabled: account.disabled ? 'yes' : 'no',
    ...(account.quota.bytes === undefined ? {} : { 'quota-bytes': account.quota.bytes }),
    ...(account.quota.files === undefined ? {} : { 'quota-files': account.quota.files }),
    files: usage.files,
    bytes: usage.bytes,
  });
}
