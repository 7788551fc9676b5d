import { readWords } from '../codec/replies';
import { splitWords } from '../codec/words';

export interface ListedFile {
  readonly name: string;
  readonly version: number;
  readonly size: number;
  readonly sha256: string;
  readonly at: string;
  readonly by: string;
  readonly restoredFrom?: number;
  /** Set on a version made by RENAME: the old name and its version whose bytes moved here. */
  readonly renamedFrom?: string;
  readonly renamedFromVersion?: number;
}

export interface HistoryRecord {
  readonly action: 'uploaded' | 'restored' | 'renamed-from' | 'deleted' | 'renamed-to';
  readonly version: number;
  readonly at: string;
  readonly by: string;
  readonly seq: number;
  readonly size?: number;
  readonly sha256?: string;
  readonly restoredFrom?: number;
  readonly renamedFrom?: string;
  readonly renamedFromVersion?: number;
  /** On a `renamed-to` entry: the name the live version moved to. */
  readonly renamedTo?: string;
}

type Fields = ReadonlyMap<string, string>;

/** Reads one LIST line: `<name> version=N size=N sha256=H at=T by=A [restored-from=N]`. */
export function parseListing(line: string): ListedFile {
  return listedFile(readWords(splitWords(line)));
}

export function listedFile(words: { texts: readonly string[]; fields: Fields }): ListedFile {
  const { texts, fields } = words;
  return {
    name: texts[0] ?? '',
    version: Number(fields.get('version')),
    size: Number(fields.get('size')),
    sha256: fields.get('sha256') ?? '',
    at: fields.get('at') ?? '',
    by: fields.get('by') ?? '',
    ...optionalNumber(fields, 'restored-from', 'restoredFrom'),
    ...renamedFrom(fields),
  };
}

/**
 * Reads one HISTORY line: `<action> version=N at=T by=A seq=N [size= sha256= restored-from=]
 * [renamed-from= renamed-from-version=] [to=]`.
 */
export function parseHistoryLine(line: string): HistoryRecord {
  const { texts, fields } = readWords(splitWords(line));
  return {
    action: texts[0] as HistoryRecord['action'],
    version: Number(fields.get('version')),
    at: fields.get('at') ?? '',
    by: fields.get('by') ?? '',
    seq: Number(fields.get('seq')),
    ...optionalNumber(fields, 'size', 'size'),
    ...(fields.has('sha256') ? { sha256: fields.get('sha256') } : {}),
    ...optionalNumber(fields, 'restored-from', 'restoredFrom'),
    ...renamedFrom(fields),
    ...(fields.has('to') ? { renamedTo: fields.get('to') } : {}),
  };
}

function renamedFrom(fields: Fields): { renamedFrom?: string; renamedFromVersion?: number } {
  if (!fields.has('renamed-from')) return {};
  return {
    renamedFrom: fields.get('renamed-from'),
    ...optionalNumber(fields, 'renamed-from-version', 'renamedFromVersion'),
  };
}

function optionalNumber(fields: Fields, key: string, as: string): Record<string, number> {
  return fields.has(key) ? { [as]: Number(fields.get(key)) } : {};
}

export interface UserRecord {
  readonly name: string;
  readonly role: string;
  readonly home?: string;
  readonly disabled: boolean;
  readonly quotaBytes?: number;
  readonly quotaFiles?: number;
  /** What the account's live files take now. */
  readonly files: number;
  readonly bytes: number;
}

/** Reads one USER LIST line: `<name> role=R [home=P] disabled=yes|no [quota-bytes=N quota-files=N] files=N bytes=N`. */
export function parseUserLine(line: string): UserRecord {
  const { texts, fields } = readWords(splitWords(line));
  return {
    name: texts[0] ?? '',
    role: fields.get('role') ?? '',
    ...(fields.has('home') ? { home: fields.get('home') } : {}),
    disabled: fields.get('disabled') === 'yes',
    ...optionalNumber(fields, 'quota-bytes', 'quotaBytes'),
    ...optionalNumber(fields, 'quota-files', 'quotaFiles'),
    files: Number(fields.get('files')),
    bytes: Number(fields.get('bytes')),
  };
}
