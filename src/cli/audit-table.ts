import { EventPayloads, EventType, FerryEvent } from '../domain/events';
import { formatBytes } from './format';

// Characters that could break a row or fake one on a terminal: controls (newline, escape sequences),
// line separators and bidirectional overrides. The log records what clients sent, so names can hold them.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const NEEDS_QUOTES = /[\s"\\]/u;
const SHA256 = /^[0-9a-f]{64}$/;
const SESSION_SHORT = 8;

/** Any text from the log, printable on one line: unsafe characters become \uXXXX escapes. */
export function safeText(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A name as-is when that is unambiguous, otherwise quoted with escapes, like JSON. */
export function quoteName(name: string): string {
  const escaped = safeText(name);
  if (name !== '' && escaped === name && !NEEDS_QUOTES.test(name)) return name;
  return `"${safeText(name.replace(/["\\]/g, (ch) => `\\${ch}`))}"`;
}

type Summaries = { [T in EventType]: (payload: EventPayloads[T]) => string };

// Every known type has an entry; a type added by a newer server falls back to its payload's fields.
const SUMMARIES: Summaries = {
  SessionOpened: (p) => `OPEN protocol ${p.protocol}`,
  SessionClosed: (p) => `CLOSE ${safeText(p.reason)}`,
  HelpShown: () => 'HELP',
  FilesListed: (p) =>
    `LIST ${p.prefix === '' ? '' : `${quoteName(p.prefix)} `}${p.at === undefined ? '' : `at ${safeText(p.at)} `}(${plural(p.count, 'file')})`,
  FileStatShown: (p) =>
    `STAT ${quoteName(p.name)} ${p.held === undefined ? `v${p.version}` : `${formatBytes(p.held)} held`}`,
  FolderStatShown: (p) => `STAT ${quoteName(p.path)}`,
  HistoryShown: (p) => `HISTORY ${quoteName(p.name)} (${plural(p.count, 'entry')})`,
  FileUploaded: (p) =>
    `UPLOAD ${quoteName(p.name)} v${p.version} ${formatBytes(p.size)}${p.upload === undefined || p.upload.from === 0 ? '' : ` resumed at ${formatBytes(p.upload.from)}`}`,
  UploadInterrupted: (p) =>
    `UPLOAD ${quoteName(p.name)} INTERRUPTED ${formatBytes(p.bytes)} sent, ${formatBytes(p.held)} held (upload ${safeText(p.upload)})`,
  UploadOffsetShown: (p) => `OFFSET ${safeText(p.upload)} ${quoteName(p.name)} ${formatBytes(p.held)} held`,
  LogNamed: (p) => `LOG NAMED ${safeText(p.origin)}`,
  SigningKeyRotated: (p) =>
    `KEY ROTATED ${safeText(p.previousKeyId.slice(0, 16))} to ${safeText(p.keyId.slice(0, 16))}`,
  WitnessRefused: (p) =>
    `WITNESS ${safeText(p.witness)} REFUSED checkpoint of size ${p.size} (${p.status} ${safeText(p.reason)})`,
  UploadsExpired: (p) => `EXPIRED ${plural(p.uploads.length, 'held upload')} after ${p.hours} h`,
  FileRestored: (p) =>
    `RESTORE ${quoteName(p.name)} v${p.version} from v${p.fromVersion} ${formatBytes(p.size)}`,
  FileRenamed: (p) =>
    `RENAME ${quoteName(p.from)} v${p.fromVersion} to ${quoteName(p.to)} v${p.version} ${formatBytes(p.size)}`,
  UserKeyAdded: (p) => `USER KEY ADD ${safeText(p.user)} ${safeText(p.fingerprint)}`,
  UserKeyRemoved: (p) => `USER KEY REMOVE ${safeText(p.user)} ${safeText(p.fingerprint)}`,
  FolderCreated: (p) => `MKDIR ${quoteName(p.path)}`,
  FolderRemoved: (p) => `RMDIR ${quoteName(p.path)}`,
  RequestReplayed: (p) => `RETRY ${safeText(p.command)} id ${safeText(p.requestId)} = seq ${p.originalSeq}`,
  GarbageCollected: (p) => `GC ${plural(p.blobs.length, 'blob')} (${plural(p.versions.length, 'version')})`,
  FileDownloaded: (p) =>
    `DOWNLOAD ${quoteName(p.name)} v${p.version} ${formatBytes(p.bytes)}${p.complete ? '' : ' INCOMPLETE'}`,
  FileDeleted: (p) => `DELETE ${quoteName(p.name)} v${p.version}`,
  LoginSucceeded: (p) =>
    `LOGIN ${safeText(p.user)} (${safeText(p.role)})${p.key === undefined ? '' : ` key ${safeText(p.key)}`}`,
  LoginFailed: (p) => `LOGIN FAILED ${quoteName(p.user)} ${safeText(p.reason)}`,
  UserAdded: (p) =>
    `USER ADD ${safeText(p.user)} ${safeText(p.role)}${p.prefix === undefined ? '' : ` home ${quoteName(p.prefix)}`}${p.passwordSet ? ' with password' : ''}`,
  UserRoleChanged: (p) => `USER ROLE ${safeText(p.user)} ${safeText(p.role)}`,
  UserPrefixChanged: (p) =>
    `USER PREFIX ${safeText(p.user)} ${p.prefix === null ? 'none' : quoteName(p.prefix)}`,
  UserPasswordChanged: (p) => `USER PASSWD ${safeText(p.user)}`,
  UserDisabled: (p) => `USER DISABLE ${safeText(p.user)}`,
  UserEnabled: (p) => `USER ENABLE ${safeText(p.user)}`,
  UserQuotaChanged: (p) =>
    `USER QUOTA ${safeText(p.user)} ${p.bytes === null ? 'any' : formatBytes(p.bytes)}, ${p.files === null ? 'any number of' : p.files} files`,
  UsersListed: (p) => `USER LIST (${plural(p.count, 'account')})`,
  AuditRead: (p) => `AUDIT after ${p.after} (${plural(p.count, 'event')})`,
  AddressBanned: (p) =>
    `BAN ${safeText(p.address)} until ${safeText(p.until)} (ban ${p.ban}, ${plural(p.failures, 'failure')})`,
  AddressUnbanned: (p) => `UNBAN ${safeText(p.address)}`,
  ConnectionsRefused: (p) =>
    `REFUSED ${plural(p.count, 'connection')} from ${safeText(p.address)} ${safeText(p.reason)}`,
  CommandRejected: (p) =>
    `REJECTED ${safeText(p.command)}${p.name === undefined ? '' : ` ${quoteName(p.name)}`} ${safeText(p.code)}`,
};

/** What happened, in a few words: `UPLOAD report.pdf v3 1.2 MiB`, `REJECTED DELETE x NOT_FOUND`. */
export function summarize(event: FerryEvent): string {
  const summary = (SUMMARIES as Record<string, ((payload: unknown) => string) | undefined>)[event.type];
  return summary ? summary(event.payload) : fieldsOf(event.payload);
}

function fieldsOf(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return safeText(JSON.stringify(payload) ?? '');
  return Object.entries(payload)
    .map(([key, value]) => `${safeText(key)}=${fieldValue(value)}`)
    .join(' ');
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return SHA256.test(value) ? `${value.slice(0, 12)}…` : quoteName(value);
  return safeText(JSON.stringify(value) ?? 'null');
}

function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : noun.replace(/y$/, 'ie')}${count === 1 ? '' : 's'}`;
}

const HEADER = ['SEQ', 'AT', 'TYPE', 'ACTOR', 'SESSION', 'REMOTE', 'SUMMARY'];

function cellsOf(event: FerryEvent): string[] {
  return [
    String(event.seq),
    safeText(event.at),
    safeText(event.type),
    safeText(event.actor),
    safeText(event.session.slice(0, SESSION_SHORT)),
    safeText(event.remote),
    summarize(event),
  ];
}

export interface AuditTable {
  /** Rows for these events; the header comes before the first row. */
  format(events: readonly FerryEvent[]): string;
}

/**
 * A table printed in batches (as `--follow` does): column widths are fixed by the first batch that has
 * rows, so later rows line up with the header; a longer cell later pushes only its own row. Knowing the
 * highest seq up front keeps that column aligned through a long listing.
 */
export function auditTable(highestSeq = 0): AuditTable {
  let widths: number[] | undefined;
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        if (i === cells.length - 1) return cell;
        return i === 0 ? cell.padStart(widths![i]) : cell.padEnd(widths![i]);
      })
      .join('  ')
      .trimEnd() + '\n';
  return {
    format(events) {
      if (events.length === 0) return '';
      const rows = events.map(cellsOf);
      let out = '';
      if (!widths) {
        widths = HEADER.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
        widths[0] = Math.max(widths[0], String(highestSeq).length);
        out += line(HEADER);
      }
      return out + rows.map(line).join('');
    },
  };
}
