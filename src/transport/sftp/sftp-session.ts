import { Attributes, FileEntry, SFTPWrapper } from 'ssh2';
import { Handlers } from '../../app/composition-root';
import { domainError, ErrorCode } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { FileVersion } from '../../domain/file-versions';
import { Logger } from '../../domain/ports/logger.port';
import { parseFolderPath } from '../../domain/folders';
import { FileName, parseFileName } from '../../domain/names';
import { DownloadHandle } from './download-handle';
import {
  fileAttributes,
  fileEntry,
  folderAttributes,
  folderEntry,
  STATUS,
  Status,
  statusOf,
} from './sftp-attributes';
import { LIMITS_EXTENSION, limitsReply } from './sftp-limits';
import { PathView } from './sftp-paths';
import { ReplyPacer } from './reply-pacer';
import { UploadHandle } from './upload-handle';
import './ssh2-patch';

/** SFTP v3 open flags (pflags). */
const OPEN = { READ: 0x1, WRITE: 0x2, APPEND: 0x4, CREAT: 0x8, TRUNC: 0x10, EXCL: 0x20 } as const;

/** Requests waiting their turn; beyond, a request is refused at once (OpenSSH keeps at most 64 in flight). */
const MAX_QUEUED = 256;

/**
 * SFTP has no upload ids: an actor's uploads of one name are one resumable upload, so that a write cut
 * off is continued by the next OPEN of that name to append (`reput`). Client ids cannot contain `:`.
 */
function heldUploadOf(name: string): string {
  return `sftp:${name}`;
}
/** The answer to a request the session takes no more: it is closing. */
const CLOSING: Status = { code: STATUS.FAILURE, message: 'the session is closing' };
/** Open handles a session may hold at once. */
const MAX_HANDLES = 64;
/** Names a READDIR page asks LIST for. */
const DIRECTORY_PAGE = 1000;
/**
 * Why SETSTAT and FSETSTAT are refused with OP_UNSUPPORTED rather than answered OK: there is nothing they
 * could honestly set, and a client told OK would believe, say, that the time it sent was kept.
 */
const FIXED_ATTRIBUTES =
  "can set nothing but an open upload's size: a file's time is when its version was written, its mode is fixed";

interface DirectoryHandle {
  readonly kind: 'directory';
  /** The LIST prefix: the folder's name and `/`, or the home (or '') for the root. */
  readonly prefix: string;
  after?: string;
  done: boolean;
  /** The explicit folders (MKDIR) come first, in pages of their own, then the files. */
  foldersAfter?: string;
  foldersDone: boolean;
  /** Sub-folders listed so far, so one both made explicitly and holding files shows once. */
  readonly shown: Set<string>;
}

type Handle = DirectoryHandle | DownloadHandle | UploadHandle;

/** What the connection tells the session: who acts, and that something happened (resets the idle timer). */
export interface SessionContext {
  readonly origin: () => EventOrigin;
  readonly progress: () => void;
}

/**
 * One SFTP channel: each request becomes a use-case call, so it is authorised, recorded and answered like
 * its native counterpart. Requests are taken one at a time, in arrival order, so a client's pipelined
 * writes and reads reach the upload and download streams in order, and the events are in order too.
 */
export class SftpSession {
  private readonly handles = new Map<string, Handle>();
  private nextHandle = 0;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private closed = false;
  private readonly pacer: ReplyPacer;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly handlers: Handlers,
    private readonly paths: PathView,
    private readonly context: SessionContext,
    private readonly logger: Logger,
  ) {
    this.pacer = new ReplyPacer(sftp);
    this.register();
  }

  /** The channel or the connection ended: open uploads publish nothing, open downloads are recorded. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A READ waiting for the client's window, which will not open now, must not hold the queue.
    this.pacer.close();
    await this.queue;
    for (const handle of this.handles.values()) {
      if (handle.kind === 'upload') await handle.abort();
      else if (handle.kind === 'download') await handle.close();
    }
    this.handles.clear();
  }

  private register(): void {
    const sftp = this.sftp;
    sftp.on('REALPATH', (id, path) =>
      this.run(id, async () => {
        const canonical = PathView.canonical(path);
        this.sftp.name(id, [{ filename: canonical, longname: canonical, attrs: {} as Attributes }]);
      }),
    );
    sftp.on('STAT', (id, path) => this.run(id, () => this.stat(id, path)));
    sftp.on('LSTAT', (id, path) => this.run(id, () => this.stat(id, path)));
    sftp.on('FSTAT', (id, handle) => this.run(id, () => this.fstat(id, handle)));
    sftp.on('OPEN', (id, path, flags) => this.run(id, () => this.open(id, path, flags)));
    sftp.on('READ', (id, handle, offset, length) =>
      this.run(id, () => this.read(id, handle, offset, length)),
    );
    sftp.on('WRITE', (id, handle, offset, data) => this.run(id, () => this.write(id, handle, offset, data)));
    sftp.on('CLOSE', (id, handle) => this.run(id, () => this.closeHandle(id, handle)));
    sftp.on('OPENDIR', (id, path) => this.run(id, () => this.openDirectory(id, path)));
    sftp.on('READDIR', (id, handle) => this.run(id, () => this.readDirectory(id, handle)));
    sftp.on('REMOVE', (id, path) => this.run(id, () => this.remove(id, path)));
    sftp.on('FSETSTAT', (id, handle, attrs) => this.run(id, () => this.fsetstat(id, handle, attrs)));
    sftp.on('RENAME', (id, from, to) => this.run(id, () => this.rename(id, from, to)));
    sftp.on('MKDIR', (id, path) => this.run(id, () => this.folder(id, 'MKDIR', path)));
    sftp.on('RMDIR', (id, path) => this.run(id, () => this.folder(id, 'RMDIR', path)));
    sftp.on('SETSTAT', (id, path) =>
      this.run(id, () => this.unsupported(id, 'SETSTAT', path, `SETSTAT ${FIXED_ATTRIBUTES}`)),
    );
    for (const command of ['READLINK', 'SYMLINK']) {
      sftp.on(command, (id: number, path: string) => this.run(id, () => this.unsupported(id, command, path)));
    }
    // The one extension advertised: the limits, which only describe the server, so nothing is recorded
    // (as for REALPATH). Any other is refused.
    sftp.advertiseExtensions({ [LIMITS_EXTENSION]: '1' });
    sftp.on('EXTENDED', (id, extension) =>
      this.run(id, async () => {
        if (extension === LIMITS_EXTENSION) return this.sftp.extendedReply(id, limitsReply(MAX_HANDLES));
        await this.unsupported(id, `EXTENDED ${extension.slice(0, 64)}`);
      }),
    );
  }

  /** Queues a request behind the earlier ones; an unexpected failure answers FAILURE, never nothing. */
  private run(id: number, work: () => Promise<void>): void {
    this.context.progress();
    // Not recorded: the client is flooding (or gone), and recording each would let it grow the log.
    if (this.closed || this.queued >= MAX_QUEUED) {
      this.reply(
        id,
        this.closed ? CLOSING : { code: STATUS.FAILURE, message: 'too many requests in flight' },
      );
      return;
    }
    this.queued += 1;
    this.queue = this.queue.then(async () => {
      try {
        await work();
      } catch (error) {
        this.logger.error('SFTP request failed', {
          session: this.context.origin().session,
          error: String(error),
        });
        this.reply(id, {
          code: STATUS.FAILURE,
          message: 'INTERNAL: the server could not complete the request',
        });
      } finally {
        this.queued -= 1;
        this.context.progress();
      }
    });
  }

  /** A reply to a channel that has closed meanwhile is dropped: there is nobody left to tell. */
  private reply(id: number, status: Status): void {
    try {
      this.sftp.status(id, status.code, status.message);
    } catch (error) {
      this.logger.debug('SFTP reply not sent', {
        session: this.context.origin().session,
        error: String(error),
      });
    }
  }

  /** A name the client typed, parsed at the edge; a bad one is refused and recorded as `command`. */
  private async nameOf(id: number, command: string, path: string): Promise<FileName | undefined> {
    const raw = this.paths.nameOf(path);
    const parsed = parseFileName(raw === '' ? '/' : raw);
    if (parsed.ok) return parsed.value;
    await this.refuse(id, command, parsed.error.code, parsed.error.message, raw);
    return undefined;
  }

  private async refuse(id: number, command: string, code: ErrorCode, message: string, name?: string) {
    const error = domainError(code, message);
    await this.handlers.reject.execute(this.context.origin(), command, error, name);
    this.reply(id, statusOf(error));
  }

  private async unsupported(
    id: number,
    command: string,
    path?: string,
    reason = `${command} is not supported over SFTP yet`,
  ): Promise<void> {
    const name = path === undefined ? undefined : this.paths.nameOf(path);
    const error = domainError('UNKNOWN_COMMAND', reason);
    await this.handlers.reject.execute(this.context.origin(), `SFTP ${command}`, error, name);
    this.reply(id, { code: STATUS.OP_UNSUPPORTED, message: `${error.code}: ${error.message}` });
  }

  private async stat(id: number, path: string): Promise<void> {
    const found = await this.lookUp(path);
    if ('code' in found) return this.reply(id, found);
    this.sftp.attrs(id, found.folder ? folderAttributes() : fileAttributes(found.file));
  }

  /** A file, else a folder (the path STAT use case, one event), else neither. */
  private async lookUp(
    path: string,
  ): Promise<{ folder: true } | { folder: false; file: Pick<FileVersion, 'size' | 'at'> } | Status> {
    const name = this.paths.nameOf(path);
    if (name === '') return { folder: true };
    const found = await this.handlers.stat.path(this.context.origin(), name, heldUploadOf(name));
    if (!found.ok) return statusOf(found.error);
    if ('held' in found.value)
      return { folder: false, file: { size: found.value.held.held, at: found.value.held.at } };
    return 'file' in found.value ? { folder: false, file: found.value.file } : { folder: true };
  }

  private async fstat(id: number, raw: Buffer): Promise<void> {
    const handle = this.handle(id, raw);
    if (!handle) return;
    if (handle.kind === 'directory') return this.sftp.attrs(id, folderAttributes());
    if (handle.kind === 'download') return this.sftp.attrs(id, fileAttributes(handle.file));
    this.sftp.attrs(id, { ...fileAttributes({ size: handle.written, at: new Date().toISOString() }) });
  }

  private async open(id: number, path: string, flags: number): Promise<void> {
    if (this.handles.size >= MAX_HANDLES) {
      return this.reply(id, { code: STATUS.FAILURE, message: `at most ${MAX_HANDLES} open files` });
    }
    const writing = (flags & OPEN.WRITE) !== 0;
    const reading = (flags & OPEN.READ) !== 0;
    if (writing && reading) return this.unsupported(id, 'OPEN (reading and writing at once)', path);
    if (writing) return this.openUpload(id, path, flags);
    const name = await this.nameOf(id, 'DOWNLOAD', path);
    if (name === undefined) return;
    const started = await this.handlers.download.begin(this.context.origin(), { name });
    if (!started.ok) return this.reply(id, statusOf(started.error));
    this.sftp.handle(id, this.add(new DownloadHandle(started.value)));
  }

  /**
   * OPEN for writing: one upload of unknown size, held should the connection go. EXCL maps to "must not
   * exist yet" (if-version 0); APPEND without TRUNC (`reput`) continues the bytes held from a write cut
   * off, else the live version's; anything else starts afresh.
   */
  private async openUpload(id: number, path: string, flags: number): Promise<void> {
    const name = await this.nameOf(id, 'UPLOAD', path);
    if (name === undefined) return;
    const exclusive = (flags & OPEN.EXCL) !== 0;
    const append = (flags & OPEN.APPEND) !== 0 && (flags & OPEN.TRUNC) === 0;
    const request = {
      name,
      ...(exclusive ? { ifVersion: 0 } : {}),
      ...(append ? { append } : {}),
      resume: { upload: heldUploadOf(name), offset: 0 },
    };
    const begin = () => this.handlers.upload.begin(this.context.origin(), request);
    const transfer = await begin();
    if (transfer.refused) {
      const result = await transfer.finish();
      return this.reply(
        id,
        result.ok ? { code: STATUS.FAILURE, message: 'refused' } : statusOf(result.error),
      );
    }
    this.sftp.handle(id, this.add(new UploadHandle(transfer, name, begin, append)));
  }

  /** Waits for the pacer before reading: bytes are read only when they can go, and count once they went. */
  private async read(id: number, raw: Buffer, offset: number, length: number): Promise<void> {
    const handle = this.handle(id, raw, 'download');
    if (!handle) return;
    await this.pacer.ready();
    if (this.closed) return this.reply(id, CLOSING);
    const data = await handle.read(offset, length);
    if (!Array.isArray(data)) return this.reply(id, data);
    const end = offset + data.reduce((bytes, piece) => bytes + piece.length, 0);
    this.pacer.send(id, data, () => handle.went(offset, end));
  }

  private async write(id: number, raw: Buffer, offset: number, data: Buffer): Promise<void> {
    const handle = this.handle(id, raw, 'upload');
    if (!handle) return;
    this.reply(id, await handle.write(offset, data));
  }

  private async fsetstat(id: number, raw: Buffer, attrs: Partial<Attributes>): Promise<void> {
    const handle = this.handle(id, raw);
    if (!handle) return;
    const others = Object.entries(attrs).filter(([key, value]) => key !== 'size' && value !== undefined);
    if (handle.kind !== 'upload' || attrs.size === undefined || others.length > 0) {
      const name = handle.kind === 'upload' ? handle.name : undefined;
      return this.unsupported(id, 'FSETSTAT', name, `FSETSTAT ${FIXED_ATTRIBUTES}`);
    }
    const status = await handle.truncate(attrs.size);
    if (status.code === STATUS.OP_UNSUPPORTED) return this.unsupported(id, 'FSETSTAT', handle.name);
    this.reply(id, status);
  }

  private async closeHandle(id: number, raw: Buffer): Promise<void> {
    const handle = this.handle(id, raw);
    if (!handle) return;
    this.handles.delete(raw.toString('hex'));
    if (handle.kind === 'download') await handle.close();
    if (handle.kind !== 'upload') return this.reply(id, { code: STATUS.OK, message: 'ok' });
    const result = await handle.close();
    if (result === undefined || ('ok' in result && result.ok)) {
      return this.reply(id, { code: STATUS.OK, message: 'ok' });
    }
    this.reply(id, 'ok' in result ? statusOf(result.error) : result);
  }

  private async openDirectory(id: number, path: string): Promise<void> {
    const found = await this.lookUp(path);
    if ('code' in found) return this.reply(id, found);
    if (!found.folder) return this.reply(id, { code: STATUS.FAILURE, message: 'not a folder' });
    const handle: DirectoryHandle = {
      kind: 'directory',
      prefix: this.paths.folderPrefixOf(path),
      done: false,
      foldersDone: false,
      shown: new Set(),
    };
    this.sftp.handle(id, this.add(handle));
  }

  /** One page of LIST a READDIR: files directly in the folder, and its sub-folders once each. */
  private async readDirectory(id: number, raw: Buffer): Promise<void> {
    const handle = this.handle(id, raw, 'directory');
    if (!handle) return;
    const now = new Date();
    while (!handle.foldersDone) {
      const page = this.handlers.folders.list(this.context.origin(), handle.prefix, {
        limit: DIRECTORY_PAGE,
        ...(handle.foldersAfter === undefined ? {} : { after: handle.foldersAfter }),
      });
      if (!page.ok) return this.reply(id, statusOf(page.error));
      handle.foldersAfter = page.value[page.value.length - 1];
      handle.foldersDone = page.value.length < DIRECTORY_PAGE;
      const entries: FileEntry[] = [];
      for (const folder of page.value) {
        const rest = folder.slice(handle.prefix.length);
        const slash = rest.indexOf('/');
        // Only the folder's own sub-folders: deeper ones show when their parent is listed.
        if (slash <= 0 || slash !== rest.length - 1 || handle.shown.has(rest.slice(0, slash))) continue;
        handle.shown.add(rest.slice(0, slash));
        entries.push(folderEntry(rest.slice(0, slash)));
      }
      if (entries.length > 0) return this.sftp.name(id, entries);
    }
    while (!handle.done) {
      const listed = await this.handlers.list.execute(this.context.origin(), {
        prefix: handle.prefix,
        limit: DIRECTORY_PAGE,
        ...(handle.after === undefined ? {} : { after: handle.after }),
      });
      if (!listed.ok) return this.reply(id, statusOf(listed.error));
      handle.after = listed.value.next;
      handle.done = listed.value.next === undefined;
      const entries: FileEntry[] = [];
      for (const file of listed.value.files) {
        const rest = file.name.slice(handle.prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) entries.push(fileEntry(rest, file, now));
        else if (!handle.shown.has(rest.slice(0, slash))) {
          handle.shown.add(rest.slice(0, slash));
          entries.push(folderEntry(rest.slice(0, slash)));
        }
      }
      if (entries.length > 0) return this.sftp.name(id, entries);
    }
    this.reply(id, { code: STATUS.EOF, message: 'end of folder' });
  }

  private async remove(id: number, path: string): Promise<void> {
    const name = await this.nameOf(id, 'DELETE', path);
    if (name === undefined) return;
    const deleted = await this.handlers.delete.execute(this.context.origin(), { name });
    this.reply(id, deleted.ok ? { code: STATUS.OK, message: 'ok' } : statusOf(deleted.error));
  }

  /** One file to a new name, refused if the new name is live already (SFTP v3 RENAME does not replace). */
  private async rename(id: number, fromPath: string, toPath: string): Promise<void> {
    const from = await this.nameOf(id, 'RENAME', fromPath);
    if (from === undefined) return;
    const to = await this.nameOf(id, 'RENAME', toPath);
    if (to === undefined) return;
    const renamed = await this.handlers.rename.execute(this.context.origin(), { from, to });
    this.reply(id, renamed.ok ? { code: STATUS.OK, message: 'ok' } : statusOf(renamed.error));
  }

  /** MKDIR or RMDIR of one folder through the folder use case (RMDIR: only an empty, explicit one). */
  private async folder(id: number, command: 'MKDIR' | 'RMDIR', path: string): Promise<void> {
    const raw = this.paths.nameOf(path);
    const parsed = parseFolderPath(raw === '' ? '/' : raw);
    if (!parsed.ok) return this.refuse(id, command, parsed.error.code, parsed.error.message, raw);
    const origin = this.context.origin();
    const done =
      command === 'MKDIR'
        ? await this.handlers.folders.create(origin, parsed.value)
        : await this.handlers.folders.remove(origin, parsed.value);
    this.reply(id, done.ok ? { code: STATUS.OK, message: 'ok' } : statusOf(done.error));
  }

  private add(handle: Handle): Buffer {
    const raw = Buffer.alloc(4);
    raw.writeUInt32BE(this.nextHandle);
    this.nextHandle = (this.nextHandle + 1) >>> 0;
    this.handles.set(raw.toString('hex'), handle);
    return raw;
  }

  /** The handle a request names, of the kind it needs; otherwise the request is answered with a failure. */
  private handle(id: number, raw: Buffer): Handle | undefined;
  private handle<K extends Handle['kind']>(
    id: number,
    raw: Buffer,
    kind: K,
  ): Extract<Handle, { kind: K }> | undefined;
  private handle(id: number, raw: Buffer, kind?: Handle['kind']): Handle | undefined {
    const handle = this.handles.get(raw.toString('hex'));
    if (handle && (kind === undefined || handle.kind === kind)) return handle;
    this.reply(id, { code: STATUS.FAILURE, message: handle ? `not a ${kind} handle` : 'no such handle' });
    return undefined;
  }
}
