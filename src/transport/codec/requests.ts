import { AccountChange } from '../../domain/account-decisions';
import { parseHomePrefix, parseRole, parseUserName } from '../../domain/account-names';
import { DomainError, domainError, Result } from '../../domain/errors';
import { FileName, normalisePrefix, parseFileName } from '../../domain/names';
import { parsePointInTime, PointInTime } from '../../domain/point-in-time';
import { splitWords, Word, WordSyntaxError } from './words';

export type Request =
  | { readonly command: 'HELP' }
  | {
      readonly command: 'LIST';
      readonly prefix: string;
      readonly at?: PointInTime;
      /** The page starts after this name. */
      readonly after?: string;
      readonly limit?: number;
    }
  | {
      readonly command: 'UPLOAD';
      readonly name: FileName;
      readonly size: number;
      readonly sha256?: string;
      readonly ifVersion?: number;
      readonly requestId?: string;
      /** `upload=`: resumable under that id; the body is the bytes from `offset` (0 unless given) to `size`. */
      readonly resume?: { readonly upload: string; readonly offset: number };
      /** `trailer=sha256`: a line `sha256=<hex>` follows the body, the client's digest of the whole file. */
      readonly trailer?: boolean;
    }
  | { readonly command: 'OFFSET'; readonly upload: string }
  | {
      readonly command: 'DOWNLOAD';
      readonly name: FileName;
      readonly version?: number;
      /** The body starts here: a resumed download. */
      readonly offset?: number;
      /** At most this many bytes from `offset`: a range. */
      readonly length?: number;
    }
  | {
      readonly command: 'DELETE';
      readonly name: FileName;
      readonly ifVersion?: number;
      readonly requestId?: string;
    }
  | {
      readonly command: 'RESTORE';
      readonly name: FileName;
      readonly version: number;
      readonly ifVersion?: number;
      readonly requestId?: string;
    }
  | {
      readonly command: 'RENAME';
      readonly from: FileName;
      readonly to: FileName;
      /** About the target: absent, it must not be live; N, its live version must be N (0: none). */
      readonly ifVersion?: number;
      readonly requestId?: string;
    }
  | { readonly command: 'STAT'; readonly name: FileName }
  | { readonly command: 'HISTORY'; readonly name: FileName }
  | { readonly command: 'LOGOUT' }
  | { readonly command: 'LOGIN'; readonly user: string; readonly password: string }
  | { readonly command: 'USER'; readonly account: AccountRequest }
  | { readonly command: 'AUDIT'; readonly after: number; readonly limit: number }
  | { readonly command: 'ROTATE-KEY' };

/** `USER LIST`, or a change with the new password when it sets one. */
export type AccountRequest =
  | { readonly action: 'list' }
  /** `USER KEY ADD <user> "<OpenSSH public key line>"`: the key is parsed by the use case. */
  | { readonly action: 'key-add'; readonly user: string; readonly key: string }
  | { readonly action: 'key-list'; readonly user: string }
  | { readonly action: 'change'; readonly change: AccountChange; readonly password?: string };

export type CommandName = Request['command'];

/** A refused request still says what it was, for the audit log, and how many body bytes follow it. */
export interface RefusedRequest {
  readonly command: string;
  readonly name?: string;
  readonly error: DomainError;
  readonly bodyLength: number;
  /** A trailer line follows the body (`trailer=sha256`): it belongs to this request too. */
  readonly trailer: boolean;
  /**
   * The request may have carried a body whose length could not be read: an UPLOAD (its first word, read
   * from the bytes, so even on a line that is not UTF-8) refused before its size was. The bytes that
   * follow cannot be told apart from requests, so the connection must be closed after the refusal.
   */
  readonly framingLost: boolean;
}

/** A refusal as the parser makes it; `bodyLength` is undefined when no body length was read. */
type Refusal = Omit<RefusedRequest, 'bodyLength' | 'framingLost' | 'trailer'> & {
  readonly ok: false;
  readonly bodyLength?: number;
  readonly trailer?: boolean;
  /** The message is fixed text that quotes nothing of the line, so even a LOGIN or USER refusal may keep it. */
  readonly quotesNothing?: boolean;
};

export type ParsedRequest =
  { readonly ok: true; readonly request: Request } | ({ readonly ok: false } & RefusedRequest);

const SHA256_HEX = /^[0-9a-f]{64}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Without `:`, which SFTP's own upload ids (`sftp:<name>`) have: a client's id never names one of those. */
const UPLOAD_ID = /^[A-Za-z0-9._-]{1,128}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

class RequestError extends Error {
  constructor(
    readonly error: DomainError,
    /** Set for the fixed messages of account rules ("a role is read, write or admin"). */
    readonly quotesNothing = false,
  ) {
    super(error.message);
  }
}

/** Parses one header line at the edge: everything past here is typed. */
export function parseRequest(line: Uint8Array): ParsedRequest {
  const parsed = parseLine(line);
  if (parsed.ok) return parsed;
  const leading = leadingWord(line);
  // By the command's letters: `LOGIN<NBSP>alice<NBSP>pw` is one word, which must not be echoed either,
  // nor `USER"add "...`, whose first word only begins with the command.
  const start = lenientUtf8
    .decode(line)
    .replace(/^[ \t]+/, '')
    .toUpperCase();
  const secretBearing = [leading, parsed.command, start].map(commandLetters).find(isSecretBearing);
  if (secretBearing !== undefined) return withoutSecrets(secretBearing, parsed);
  const upload = leading === 'UPLOAD' || parsed.command === 'UPLOAD';
  return {
    ok: false,
    command: parsed.command,
    name: parsed.name,
    error: parsed.error,
    bodyLength: parsed.bodyLength ?? 0,
    trailer: parsed.trailer === true,
    framingLost: upload && parsed.bodyLength === undefined,
  };
}

/** Commands whose lines carry a password: no refusal of theirs may echo anything past the command. */
const SECRET_BEARING = {
  LOGIN: 'LOGIN needs a user name and a password',
  USER: 'bad USER request',
} as const;

type SecretBearingCommand = keyof typeof SECRET_BEARING;

export function isSecretBearing(command: string): command is SecretBearingCommand {
  return Object.hasOwn(SECRET_BEARING, command);
}

/** The refusal of a secret-bearing line keeps its code, with a fixed message and no name. */
function withoutSecrets(command: SecretBearingCommand, refusal: Refusal): ParsedRequest {
  return {
    ok: false,
    command,
    name: undefined,
    error: refusal.quotesNothing ? refusal.error : domainError(refusal.error.code, SECRET_BEARING[command]),
    bodyLength: 0,
    trailer: false,
    framingLost: false,
  };
}

function parseLine(line: Uint8Array): { readonly ok: true; readonly request: Request } | Refusal {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return refuse('?', domainError('BAD_REQUEST', 'the request line is not valid UTF-8'));
  }
  let words: Word[];
  try {
    words = splitWords(text);
  } catch (error) {
    return refuse(firstWord(text), domainError('BAD_REQUEST', (error as WordSyntaxError).message));
  }
  const head = words[0];
  if (head?.kind !== 'text')
    return refuse('?', domainError('BAD_REQUEST', 'a request starts with a command'));
  const command = head.text.toUpperCase();
  const reader = new ArgumentReader(command);
  try {
    reader.load(words.slice(1));
    return { ok: true, request: readRequest(command, reader) };
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    return {
      ...refuse(command, error.error, reader.nameSeen, reader.bodyLength),
      trailer: reader.trailer,
      quotesNothing: error.quotesNothing,
    };
  }
}

function readRequest(command: string, args: ArgumentReader): Request {
  switch (command) {
    case 'HELP':
    case 'LOGOUT':
    case 'ROTATE-KEY':
      args.done();
      return { command };
    case 'LIST': {
      const prefix = args.optionalText() ?? '';
      const at = args.option('at', parsePoint);
      const after = args.option('after', (value) => value);
      const limit = args.option('limit', parseVersion);
      args.done();
      return { command, prefix: normalisePrefix(prefix), at, after, limit };
    }
    case 'UPLOAD': {
      const rawName = args.text('name');
      const size = args.count('size');
      // Read before the body's length is known: a bad offset or trailer leaves it unknown, and the
      // connection closes.
      const trailer = args.option('trailer', (value) => (value === 'sha256' ? true : undefined));
      const offset = args.option('offset', parseCount) ?? 0;
      if (offset > size)
        throw new RequestError(domainError('BAD_REQUEST', `offset ${offset} is past size ${size}`));
      args.bodyLength = size - offset;
      args.trailer = trailer === true;
      const name = args.name(rawName);
      const upload = args.option('upload', parseUploadId);
      if (offset > 0 && upload === undefined) {
        throw new RequestError(domainError('BAD_REQUEST', 'offset= resumes an upload: it needs upload='));
      }
      const sha256 = args.option('sha256', (value) => (SHA256_HEX.test(value) ? value : undefined));
      if (sha256 !== undefined && trailer) {
        throw new RequestError(domainError('BAD_REQUEST', 'sha256= and trailer= both give the digest'));
      }
      const guards = writeGuards(args);
      args.done();
      const resume = upload === undefined ? {} : { resume: { upload, offset } };
      return { command, name, size, sha256, ...guards, ...resume, ...(trailer ? { trailer } : {}) };
    }
    case 'OFFSET': {
      const upload = parseUploadId(args.text('upload id'));
      if (upload === undefined) throw new RequestError(domainError('BAD_REQUEST', 'not an upload id'));
      args.done();
      return { command, upload };
    }
    case 'DOWNLOAD': {
      const name = args.name(args.text('name'));
      const version = args.option('version', parseVersion);
      const offset = args.option('offset', parseCount);
      const length = args.option('length', parseCount);
      args.done();
      return {
        command,
        name,
        version,
        ...(offset === undefined ? {} : { offset }),
        ...(length === undefined ? {} : { length }),
      };
    }
    case 'DELETE': {
      const name = args.name(args.text('name'));
      const guards = writeGuards(args);
      args.done();
      return { command, name, ...guards };
    }
    case 'RESTORE': {
      const name = args.name(args.text('name'));
      const version = parseVersion(args.text('version'));
      if (version === undefined)
        throw new RequestError(domainError('BAD_REQUEST', 'a version is a number from 1'));
      const guards = writeGuards(args);
      args.done();
      return { command, name, version, ...guards };
    }
    case 'RENAME': {
      const from = args.name(args.text('name'));
      const to = args.name(args.text('new name'));
      const guards = writeGuards(args);
      args.done();
      return { command, from, to, ...guards };
    }
    case 'STAT':
    case 'HISTORY': {
      const name = args.name(args.text('name'));
      args.done();
      return { command, name };
    }
    case 'LOGIN': {
      const user = args.text('user name');
      const password = args.text('password');
      args.done();
      return { command, user, password };
    }
    case 'USER':
      return { command, account: readAccountRequest(args) };
    case 'AUDIT': {
      const after = args.option('after', parseCount) ?? 0;
      const limit = args.option('limit', parseCount) ?? DEFAULT_AUDIT_PAGE;
      args.done();
      return { command, after, limit };
    }
    default:
      throw new RequestError(
        domainError('UNKNOWN_COMMAND', `unknown command ${printable(command)}; try HELP`),
      );
  }
}

/** Reads positional words, then options, remembering what a refusal must still report. */
class ArgumentReader {
  nameSeen: string | undefined;
  /** Set once a body length is read; undefined means none was (yet). */
  bodyLength: number | undefined;
  trailer = false;
  private readonly options = new Map<string, string>();
  private readonly texts: string[] = [];

  constructor(private readonly command: string) {}

  load(words: Word[]): void {
    for (const word of words) {
      if (word.kind === 'text') {
        if (this.options.size > 0) this.bad('positional arguments come before options');
        this.texts.push(word.text);
      } else {
        if (this.options.has(word.key)) this.bad(`option ${word.key} is given twice`);
        this.options.set(word.key, word.value);
      }
    }
  }

  text(what: string): string {
    const value = this.texts.shift();
    if (value === undefined) this.bad(`${this.command} needs a ${what}`);
    if (what === 'name') this.nameSeen = value;
    return value;
  }

  optionalText(): string | undefined {
    return this.texts.shift();
  }

  count(what: string): number {
    const value = parseCount(this.text(what));
    if (value === undefined) this.bad(`${what} must be a whole number of bytes`);
    return value;
  }

  name(raw: string): FileName {
    const parsed = parseFileName(raw);
    if (!parsed.ok) throw new RequestError(parsed.error);
    return parsed.value;
  }

  option<T>(key: string, parse: (value: string) => T | undefined): T | undefined {
    const raw = this.options.get(key);
    if (raw === undefined) return undefined;
    this.options.delete(key);
    const value = parse(raw);
    if (value === undefined) this.bad(`bad value for ${key}: ${printable(raw)}`);
    return value;
  }

  done(): void {
    if (this.texts.length > 0) this.bad(`unexpected argument ${printable(this.texts[0])}`);
    const unknown = [...this.options.keys()][0];
    if (unknown !== undefined) this.bad(`unknown option ${unknown}`);
  }

  private bad(message: string): never {
    throw new RequestError(domainError('BAD_REQUEST', message));
  }
}

/** Events per AUDIT reply unless `limit=` says otherwise (the server caps it too). */
const DEFAULT_AUDIT_PAGE = 100;

function readAccountRequest(args: ArgumentReader): AccountRequest {
  const action = args.text('action').toLowerCase();
  if (action === 'list') {
    args.done();
    return { action };
  }
  if (action === 'key') return readKeyRequest(args);
  const user = parsed(parseUserName(args.text('user name')));
  const change = readAccountChange(action, user, args);
  const password =
    change.action === 'add' || change.action === 'passwd' ? args.option('password', nonEmpty) : undefined;
  args.done();
  return { action: 'change', change, ...(password === undefined ? {} : { password }) };
}

/** `USER KEY ADD|LIST|REMOVE <user> ...`: public keys an account may log in with over SSH. */
function readKeyRequest(args: ArgumentReader): AccountRequest {
  const action = args.text('KEY action').toLowerCase();
  const user = parsed(parseUserName(args.text('user name')));
  let request: AccountRequest;
  if (action === 'add') request = { action: 'key-add', user, key: args.text('public key') };
  else if (action === 'list') request = { action: 'key-list', user };
  else if (action === 'remove') {
    const change = { action: 'key-remove' as const, user, fingerprint: args.text('fingerprint') };
    request = { action: 'change', change };
  } else throw new RequestError(domainError('BAD_REQUEST', 'USER KEY takes ADD, LIST or REMOVE'), true);
  args.done();
  return request;
}

function readAccountChange(action: string, user: string, args: ArgumentReader): AccountChange {
  switch (action) {
    case 'add': {
      const role = parsed(parseRole(args.option('role', nonEmpty) ?? ''));
      const prefix = args.option('prefix', nonEmpty);
      return {
        action,
        user,
        role,
        ...(prefix === undefined ? {} : { prefix: parsed(parseHomePrefix(prefix)) }),
      };
    }
    case 'passwd':
    case 'disable':
    case 'enable':
      return { action, user };
    case 'role':
      return { action, user, role: parsed(parseRole(args.text('role'))) };
    case 'prefix': {
      const prefix = args.text('prefix');
      return { action, user, prefix: prefix === '-' ? null : parsed(parseHomePrefix(prefix)) };
    }
    case 'quota':
      return {
        action,
        user,
        bytes: args.option('bytes', parseLimit),
        files: args.option('files', parseLimit),
      };
    default:
      throw new RequestError(
        domainError(
          'BAD_REQUEST',
          'USER takes ADD, PASSWD, ROLE, PREFIX, DISABLE, ENABLE, QUOTA, KEY or LIST',
        ),
      );
  }
}

/** The account rules' messages are fixed text: they say what is allowed, never what was sent. */
function parsed<T>(result: Result<T>): T {
  if (!result.ok) throw new RequestError(result.error, true);
  return result.value;
}

function nonEmpty(value: string): string | undefined {
  return value === '' ? undefined : value;
}

/** A quota limit: a number, or "-" for none (returned as null, which `option` passes through). */
function parseLimit(value: string): number | null | undefined {
  return value === '-' ? null : parseCount(value);
}

function writeGuards(args: ArgumentReader): { ifVersion?: number; requestId?: string } {
  const ifVersion = args.option('if-version', parseCount);
  const requestId = args.option('id', (value) => (REQUEST_ID.test(value) ? value : undefined));
  return {
    ...(ifVersion === undefined ? {} : { ifVersion }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}

function parseUploadId(value: string): string | undefined {
  return UPLOAD_ID.test(value) ? value : undefined;
}

function parsePoint(value: string): PointInTime | undefined {
  const point = parsePointInTime(value);
  return point.ok ? point.value : undefined;
}

function parseCount(value: string): number | undefined {
  return DECIMAL.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

function parseVersion(value: string): number | undefined {
  const version = parseCount(value);
  return version !== undefined && version > 0 ? version : undefined;
}

function refuse(command: string, error: DomainError, name?: string, bodyLength?: number): Refusal {
  return { ok: false, command: command.slice(0, 32), name, error, bodyLength };
}

const TRAILER = /^[ \t]*sha256=([0-9a-f]{64})[ \t]*$/;

/** The line after a `trailer=sha256` body: the client's SHA-256 of the whole file, or undefined if malformed. */
export function parseTrailer(line: Uint8Array): string | undefined {
  return TRAILER.exec(Buffer.from(line).toString('latin1'))?.[1];
}

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * The first word of a line as a command, read from its bytes, so it is known even when the line is not
 * UTF-8 or its words do not split: the bytes up to the first space or tab, quotes dropped, upper-cased.
 * Whenever `splitWords` reads a command C from the line, this gives C too (C has no quote or space).
 */
function leadingWord(line: Uint8Array): string {
  let start = 0;
  while (start < line.length && (line[start] === SPACE || line[start] === TAB)) start++;
  let end = start;
  while (end < line.length && line[end] !== SPACE && line[end] !== TAB) end++;
  return lenientUtf8.decode(line.subarray(start, end).filter((byte) => byte !== QUOTE)).toUpperCase();
}

function firstWord(text: string): string {
  return text.trimStart().split(/[ \t]/, 1)[0].toUpperCase().slice(0, 32);
}

/** Echoes peer input in a message without letting control bytes or huge strings through. */
function printable(value: string): string {
  const quoted = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  // JSON escapes the C0 controls only; DEL, the C1 controls and U+2028/U+2029 are escaped here.
  return quoted.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The leading letters of a command word: what a person meant as the command, whatever blank follows. */
function commandLetters(word: string): string {
  return /^[A-Z]*/.exec(word)?.[0] ?? '';
}
