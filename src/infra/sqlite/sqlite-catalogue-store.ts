import Database from 'better-sqlite3';
import { Account, AccountKey, Accounts } from '../../domain/accounts';
import { AddressBans, AddressTuple } from '../../domain/address-bans';
import { HeldUpload, HeldUploads } from '../../domain/held-uploads';
import { FileVersion, HistoryEntry, Usage } from '../../domain/file-versions';
import { EventOf, FerryEvent, Role } from '../../domain/events';
import { checkRename } from '../../domain/catalogue';
import { CatalogueStore, PageRequest, StoredVersion } from '../../domain/ports/catalogue-store.port';
import { Outcome, OutcomeType, REQUEST_ID_WINDOW_MS } from '../../domain/request-memory';
import { keyAfter, nameKey, nameOfKey, prefixRange } from './name-sort-key';

interface NameRow {
  readonly id: number;
  readonly key: Buffer;
  readonly live_version: number | null;
  readonly latest_version: number;
}

/** A version as the columns give it: the name is the caller's, `restoredFrom`, `renamedFrom` nullable columns. */
interface VersionRow extends Omit<FileVersion, 'name' | 'restoredFrom' | 'renamedFrom'> {
  readonly restored_from: number | null;
  readonly renamed_from: string | null;
  readonly renamed_from_version: number | null;
}

interface KeyedVersionRow extends VersionRow {
  readonly key: Buffer;
}

interface StoredVersionRow extends KeyedVersionRow {
  readonly ended_at: string | null;
}

interface AccountRow {
  readonly name: string;
  readonly role: Role;
  readonly prefix: string | null;
  readonly disabled: 0 | 1;
  readonly password_event: string | null;
  readonly quota_bytes: number | null;
  readonly quota_files: number | null;
  readonly created_at: string;
  /** JSON: [{fingerprint, key}], or NULL for none. */
  readonly keys: string | null;
}

interface AddressRow {
  readonly address: string;
  readonly failures: string;
  readonly ban_until: number;
  readonly streak: number;
  readonly last_ban_end: number;
}

interface HistoryRow extends VersionRow {
  readonly deleted: 0 | 1;
  readonly renamed_to: string | null;
}

interface RequestRow {
  readonly seq: number;
  readonly type: OutcomeType;
  readonly at: string;
  readonly version: number;
  readonly key: Buffer;
  readonly sha256: string | null;
  readonly size: number | null;
  readonly restored_from: number | null;
  readonly renamed_from: string | null;
  readonly renamed_from_version: number | null;
}

interface PageParams {
  readonly low: Buffer;
  readonly high: Buffer;
  readonly limit: number;
  readonly seq?: number;
}

const VERSION_COLUMNS =
  'v.version, v.sha256, v.size, v.at, v.actor, v.seq, v.restored_from, v.renamed_from, v.renamed_from_version';

/** How many of the oldest request ids one step of forgetting looks at. */
const FORGET_CHUNK = 256;

const NO_USAGE: Usage = { files: 0, bytes: 0 };

/**
 * The catalogue projection in SQLite tables (migrations/004_catalogue.sql, widened by 005 to 009), on the
 * audit log's own connection so that `fold` joins the transaction appending the same events, and reads on
 * that connection see events staged but not yet committed. Every statement is prepared once, with bound parameters.
 *
 * Accounts, address bans and held uploads are few (one per person, per recently failing address, per
 * interrupted transfer), so besides their rows they are kept in memory, read back from the rows at open and after a rollback.
 */
export class SqliteCatalogueStore implements CatalogueStore {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly foldAll: (events: readonly FerryEvent[]) => void;
  private accountsFolded = new Accounts();
  private bansFolded = new AddressBans();
  private heldFolded = new HeldUploads();

  constructor(db: Database.Database) {
    this.statements = prepare(db);
    // A nested better-sqlite3 transaction is a savepoint: called inside another transaction, a failure
    // here undoes only this batch; called alone, it is a transaction of its own.
    this.foldAll = db.transaction((events: readonly FerryEvent[]) => {
      for (const event of events) this.foldWithin(event);
    });
    this.reload();
  }

  get accounts(): Accounts {
    return this.accountsFolded;
  }

  get bans(): AddressBans {
    return this.bansFolded;
  }

  get heldUploads(): HeldUploads {
    return this.heldFolded;
  }

  /** Reads accounts, bans and held uploads back from their rows: after a rollback undid what the memory copy holds. */
  reload(): void {
    const accounts = this.statements.accounts.all() as AccountRow[];
    this.accountsFolded = Accounts.of(accounts.map(accountOf));
    const addresses = this.statements.addresses.all() as AddressRow[];
    this.bansFolded = AddressBans.fromTuples(addresses.map(addressTuple));
    this.heldFolded = HeldUploads.of(this.statements.heldUploads.all() as HeldUpload[]);
  }

  position(): number {
    return this.statements.position.get() as number;
  }

  live(name: string): FileVersion | undefined {
    const row = this.statements.live.get(nameKey(name)) as VersionRow | undefined;
    return row && fileVersion(name, row);
  }

  version(name: string, version: number): FileVersion | undefined {
    const row = this.statements.version.get(nameKey(name), version) as VersionRow | undefined;
    return row && fileVersion(name, row);
  }

  latestVersion(name: string): number {
    return (this.statements.latest.get(nameKey(name)) as number | undefined) ?? 0;
  }

  history(name: string): HistoryEntry[] {
    const rows = this.statements.history.all({ key: nameKey(name) }) as HistoryRow[];
    return rows.map((row): HistoryEntry => {
      if (row.deleted) {
        const { version, at, actor, seq } = row;
        if (row.renamed_to === null) return { kind: 'deleted', deletion: { name, version, at, actor, seq } };
        const deletion = { name, version, at, actor, seq, renamedTo: row.renamed_to };
        return { kind: 'renamed-to', deletion };
      }
      const file = fileVersion(name, row);
      const kind = file.renamedFrom
        ? 'renamed-from'
        : file.restoredFrom === undefined
          ? 'uploaded'
          : 'restored';
      return { kind, file };
    });
  }

  list(prefix: string, page: PageRequest): FileVersion[] {
    return this.page(this.statements.list, pageParams(prefix, page));
  }

  listAt(prefix: string, seq: number, page: PageRequest): FileVersion[] {
    return this.page(this.statements.listAt, { ...pageParams(prefix, page), seq });
  }

  usage(actor: string): Usage {
    return (this.statements.usage.get(actor) as Usage | undefined) ?? NO_USAGE;
  }

  hasLiveUnder(prefix: string): boolean {
    const { low, high } = prefixRange(prefix);
    return this.statements.liveUnder.get({ low, high }) !== undefined;
  }

  explicitFolder(path: string): boolean {
    return this.statements.folder.get(nameKey(path)) !== undefined;
  }

  listFolders(prefix: string, page: PageRequest): string[] {
    const params = pageParams(prefix, page);
    if (params.limit <= 0) return [];
    return (this.statements.listFolders.all(params) as Buffer[]).map(nameOfKey);
  }

  isCollected(sha256: string): boolean {
    return this.statements.isCollected.get(sha256) !== undefined;
  }

  outcomeOf(actor: string, requestId: string): Outcome | undefined {
    const row = this.statements.outcome.get(actor, requestId) as RequestRow | undefined;
    if (!row) return undefined;
    const { seq, type, at, version } = row;
    const name = nameOfKey(row.key);
    if (type === 'FileDeleted') return { seq, type, at, payload: { name, version, requestId } };
    const sha256 = row.sha256!;
    const size = row.size!;
    if (type === 'FileRenamed') {
      const from = row.renamed_from!;
      const fromVersion = row.renamed_from_version!;
      return { seq, type, at, payload: { from, to: name, version, fromVersion, sha256, size, requestId } };
    }
    if (type === 'FileRestored') {
      const fromVersion = row.restored_from!;
      return { seq, type, at, payload: { name, version, fromVersion, sha256, size, requestId } };
    }
    return { seq, type, at, payload: { name, version, sha256, size, requestId } };
  }

  *allVersions(): Iterable<StoredVersion> {
    for (const row of this.statements.allVersions.iterate() as Iterable<StoredVersionRow>) {
      const file = fileVersion(nameOfKey(row.key), row);
      yield row.ended_at === null ? file : { ...file, endedAt: row.ended_at };
    }
  }

  fold(events: readonly FerryEvent[]): void {
    if (events.length === 0) return;
    try {
      this.foldAll(events);
    } catch (error) {
      // The rows went back; what is held in memory must too.
      this.reload();
      throw error;
    }
  }

  /**
   * Folds one event inside a transaction the caller holds, and rolls back (then `reload()`s) should this
   * throw: the event log's `stage` does.
   */
  foldWithin(event: FerryEvent): void {
    const position = this.position();
    if (event.seq <= position) throw new Error(`event ${event.seq} applied out of order after ${position}`);
    for (const [actor, upload] of this.heldFolded.apply(event)) this.saveHeldUpload(actor, upload);
    this.foldEvent(event);
    this.statements.setPosition.run(event.seq);
  }

  private page(statement: Database.Statement, params: PageParams): FileVersion[] {
    if (params.limit <= 0) return [];
    const rows = statement.all(params) as KeyedVersionRow[];
    return rows.map((row) => fileVersion(nameOfKey(row.key), row));
  }

  /** The same rules as `Catalogue.apply`, as row changes. */
  private foldEvent(event: FerryEvent): void {
    switch (event.type) {
      case 'FileUploaded':
      case 'FileRestored':
        return this.addVersion(event);
      case 'FileDeleted':
        return this.delete(event);
      case 'FileRenamed':
        return this.rename(event);
      case 'FolderCreated':
        this.statements.addFolder.run(nameKey(event.payload.path));
        return;
      case 'FolderRemoved':
        this.statements.removeFolder.run(nameKey(event.payload.path));
        return;
      case 'GarbageCollected':
        for (const sha256 of event.payload.blobs) this.statements.collect.run(sha256);
        return;
      default: {
        // Accounts and bans each fold what is theirs and ignore the rest; other events change nothing here.
        this.saveAccount(this.accountsFolded.apply(event));
        // Lifting a ban is no activity: it leaves the address where it was in the order of forgetting.
        const touched = event.type === 'AddressUnbanned' ? null : event.seq;
        for (const address of this.bansFolded.apply(event)) this.saveAddress(address, touched);
      }
    }
  }

  private addVersion(event: EventOf<'FileUploaded'> | EventOf<'FileRestored'>): void {
    const { name, version, sha256, size } = event.payload;
    const row = this.nameRow(name);
    if (version !== row.latest_version + 1) {
      throw new Error(
        `${event.type} ${event.seq} makes version ${version} of a name at ${row.latest_version}`,
      );
    }
    this.endLive(row, event);
    const restoredFrom = event.type === 'FileRestored' ? event.payload.fromVersion : null;
    this.makeLive(row, event, { version, sha256, size, restoredFrom });
    if (event.type === 'FileUploaded') this.statements.uncollect.run(sha256);
    this.remember(event, row.id);
  }

  /** A new version of the name, made by `event`, becomes its live one and counts for the event's actor. */
  private makeLive(
    row: NameRow,
    event: FerryEvent,
    file: {
      version: number;
      sha256: string;
      size: number;
      restoredFrom?: number | null;
      renamedFrom?: string;
      renamedFromVersion?: number;
    },
  ): void {
    const { version, sha256, size } = file;
    const { at, actor, seq } = event;
    const columns = [version, sha256, size, at, actor, seq, file.restoredFrom ?? null] as const;
    const renamedFrom = [file.renamedFrom ?? null, file.renamedFromVersion ?? null] as const;
    this.statements.insertVersion.run(row.id, ...columns, ...renamedFrom);
    this.statements.insertLive.run(row.key, ...columns, ...renamedFrom);
    this.statements.setVersions.run(version, version, row.id);
    this.addUsage(actor, 1, size);
  }

  /** The source ends as a delete does (with where it went); the target gets a version as a restore does. */
  private rename(event: EventOf<'FileRenamed'>): void {
    const { from, to, version, fromVersion, sha256, size } = event.payload;
    const source = this.nameRow(from);
    const target = this.nameRow(to);
    checkRename(event, source.live_version ?? undefined, target.latest_version);
    const s = this.statements;
    s.insertDeletion.run(source.id, event.seq, fromVersion, event.at, event.actor, to);
    this.endLive(source, event);
    s.setVersions.run(null, source.latest_version, source.id);
    this.endLive(target, event);
    this.makeLive(target, event, {
      version,
      sha256,
      size,
      renamedFrom: from,
      renamedFromVersion: fromVersion,
    });
    this.remember(event, target.id);
  }

  private delete(event: EventOf<'FileDeleted'>): void {
    const { name, version } = event.payload;
    const row = this.nameRow(name);
    this.statements.insertDeletion.run(row.id, event.seq, version, event.at, event.actor, null);
    this.endLive(row, event);
    this.statements.setVersions.run(null, row.latest_version, row.id);
    this.remember(event, row.id);
  }

  private saveAccount(name: string | undefined): void {
    const account = name === undefined ? undefined : this.accountsFolded.get(name);
    if (!account) return;
    const { role, prefix, disabled, passwordEvent, quota, createdAt, keys } = account;
    this.statements.saveAccount.run(
      account.name,
      role,
      prefix ?? null,
      disabled ? 1 : 0,
      passwordEvent ?? null,
      quota.bytes ?? null,
      quota.files ?? null,
      createdAt,
      keys === undefined ? null : JSON.stringify(keys.map(({ fingerprint, key }) => ({ fingerprint, key }))),
    );
  }

  private saveHeldUpload(actor: string, upload: string): void {
    const held = this.heldFolded.get(actor, upload);
    if (held) this.statements.saveHeldUpload.run(held);
    else this.statements.forgetHeldUpload.run(actor, upload);
  }

  private saveAddress(address: string, touchedSeq: number | null): void {
    const state = this.bansFolded.stateOf(address);
    if (!state) {
      this.statements.forgetAddress.run(address);
      return;
    }
    const [, failures, banUntil, streak, lastBanEnd] = state;
    // NOT NULL is checked before ON CONFLICT: a lift (no seq) must name the row's own touched_seq.
    const row = [address, JSON.stringify(failures), banUntil, streak, lastBanEnd, touchedSeq, address];
    this.statements.saveAddress.run(...row);
  }

  /** The live version, if any, stops being live at `event` and stops counting for its writer. */
  private endLive(row: NameRow, event: FerryEvent): void {
    if (row.live_version === null) return;
    this.statements.removeLive.run(row.key);
    const live = this.statements.endVersion.get(event.seq, event.at, row.id, row.live_version) as {
      actor: string;
      size: number;
    };
    this.addUsage(live.actor, -1, -live.size);
  }

  private addUsage(actor: string, files: number, bytes: number): void {
    this.statements.addUsage.run(actor, files, bytes);
    this.statements.dropEmptyUsage.run(actor);
  }

  /** The name's row, created on first use. */
  private nameRow(name: string): NameRow {
    const key = nameKey(name);
    const row = this.statements.nameRow.get(key) as Omit<NameRow, 'key'> | undefined;
    if (row) return { ...row, key };
    const id = Number(this.statements.insertName.run(key).lastInsertRowid);
    return { id, key, live_version: null, latest_version: 0 };
  }

  /** RequestMemory.remember: forget what fell out of the window, then remember this request's outcome. */
  private remember(
    event:
      EventOf<'FileUploaded'> | EventOf<'FileRestored'> | EventOf<'FileDeleted'> | EventOf<'FileRenamed'>,
    nameId: number,
  ): void {
    const cutoff = new Date(Date.parse(event.at) - REQUEST_ID_WINDOW_MS).toISOString();
    // Usually the oldest is inside the window: one row read. Otherwise forget in chunks that double, so
    // the usual one or two entries past the window cost a few rows read, not a full chunk.
    for (let chunk = 1; ; chunk = Math.min(2 * chunk, FORGET_CHUNK)) {
      const oldest = this.statements.oldestRequests.all(chunk) as { seq: number; at: string }[];
      const keep = oldest.findIndex((entry) => entry.at >= cutoff);
      const forget = keep === -1 ? oldest.length : keep;
      if (forget > 0) this.statements.forgetRequests.run(oldest[forget - 1].seq);
      if (keep !== -1 || oldest.length < chunk) break;
    }
    const requestId = event.payload.requestId;
    if (requestId === undefined) return;
    this.statements.rememberRequest.run(
      event.actor,
      requestId,
      event.seq,
      event.type,
      nameId,
      event.payload.version,
      event.at,
    );
  }
}

function pageParams(prefix: string, page: PageRequest): PageParams {
  const range = prefixRange(prefix);
  let low = range.low;
  if (page.after !== undefined) {
    const after = keyAfter(nameKey(page.after));
    if (Buffer.compare(after, low) > 0) low = after;
  }
  return { low, high: range.high, limit: page.limit };
}

function accountOf(row: AccountRow): Account {
  return {
    name: row.name,
    role: row.role,
    ...(row.prefix === null ? {} : { prefix: row.prefix }),
    disabled: row.disabled === 1,
    ...(row.password_event === null ? {} : { passwordEvent: row.password_event }),
    quota: {
      ...(row.quota_bytes === null ? {} : { bytes: row.quota_bytes }),
      ...(row.quota_files === null ? {} : { files: row.quota_files }),
    },
    createdAt: row.created_at,
    ...(row.keys === null ? {} : { keys: JSON.parse(row.keys) as AccountKey[] }),
  };
}

function addressTuple(row: AddressRow): AddressTuple {
  const failures = JSON.parse(row.failures) as number[];
  return [row.address, failures, row.ban_until, row.streak, row.last_ban_end];
}

function fileVersion(name: string, row: VersionRow): FileVersion {
  const { version, sha256, size, at, actor, seq } = row;
  const file = { name, version, sha256, size, at, actor, seq };
  if (row.renamed_from !== null) {
    return { ...file, renamedFrom: { name: row.renamed_from, version: row.renamed_from_version! } };
  }
  return row.restored_from === null ? file : { ...file, restoredFrom: row.restored_from };
}

function prepare(db: Database.Database) {
  return {
    position: db.prepare('SELECT seq FROM catalogue_position WHERE singleton = 1').pluck(),
    setPosition: db.prepare('UPDATE catalogue_position SET seq = ? WHERE singleton = 1'),
    live: db.prepare(`SELECT ${VERSION_COLUMNS} FROM catalogue_live v WHERE v.key = ?`),
    version: db.prepare(
      `SELECT ${VERSION_COLUMNS} FROM catalogue_names n
       JOIN catalogue_versions v ON v.name_id = n.id
       WHERE n.key = ? AND v.version = ?`,
    ),
    latest: db.prepare('SELECT latest_version FROM catalogue_names WHERE key = ?').pluck(),
    history: db.prepare(
      `SELECT ${VERSION_COLUMNS}, 0 AS deleted, NULL AS renamed_to FROM catalogue_versions v
       WHERE v.name_id = (SELECT id FROM catalogue_names WHERE key = @key)
       UNION ALL
       SELECT d.version, NULL, NULL, d.at, d.actor, d.seq, NULL, NULL, NULL, 1, d.renamed_to
       FROM catalogue_deletions d
       WHERE d.name_id = (SELECT id FROM catalogue_names WHERE key = @key)
       ORDER BY seq`,
    ),
    list: db.prepare(
      `SELECT v.key, ${VERSION_COLUMNS} FROM catalogue_live v
       WHERE v.key >= @low AND v.key < @high ORDER BY v.key LIMIT @limit`,
    ),
    listAt: db.prepare(
      `SELECT n.key, ${VERSION_COLUMNS} FROM catalogue_names n
       JOIN catalogue_versions v ON v.name_id = n.id
       WHERE n.key >= @low AND n.key < @high
         AND v.seq <= @seq AND (v.ended_seq IS NULL OR v.ended_seq > @seq)
       ORDER BY n.key LIMIT @limit`,
    ),
    usage: db.prepare('SELECT files, bytes FROM catalogue_usage WHERE actor = ?'),
    liveUnder: db.prepare('SELECT 1 FROM catalogue_live WHERE key >= @low AND key < @high LIMIT 1'),
    folder: db.prepare('SELECT 1 FROM catalogue_folders WHERE key = ?').pluck(),
    listFolders: db
      .prepare(
        'SELECT key FROM catalogue_folders WHERE key >= @low AND key < @high ORDER BY key LIMIT @limit',
      )
      .pluck(),
    addFolder: db.prepare('INSERT OR IGNORE INTO catalogue_folders (key) VALUES (?)'),
    removeFolder: db.prepare('DELETE FROM catalogue_folders WHERE key = ?'),
    isCollected: db.prepare('SELECT 1 FROM catalogue_collected WHERE sha256 = ?').pluck(),
    outcome: db.prepare(
      `SELECT r.seq, r.type, r.at, r.version, n.key, v.sha256, v.size, v.restored_from, v.renamed_from,
         v.renamed_from_version
       FROM catalogue_requests r
       JOIN catalogue_names n ON n.id = r.name_id
       LEFT JOIN catalogue_versions v ON v.name_id = r.name_id AND v.version = r.version
       WHERE r.actor = ? AND r.request_id = ?`,
    ),
    nameRow: db.prepare('SELECT id, live_version, latest_version FROM catalogue_names WHERE key = ?'),
    insertName: db.prepare(
      'INSERT INTO catalogue_names (key, live_version, latest_version) VALUES (?, NULL, 0)',
    ),
    setVersions: db.prepare('UPDATE catalogue_names SET live_version = ?, latest_version = ? WHERE id = ?'),
    insertVersion: db.prepare(
      `INSERT INTO catalogue_versions
       (name_id, version, sha256, size, at, actor, seq, restored_from, renamed_from, renamed_from_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertLive: db.prepare(
      `INSERT INTO catalogue_live
       (key, version, sha256, size, at, actor, seq, restored_from, renamed_from, renamed_from_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    removeLive: db.prepare('DELETE FROM catalogue_live WHERE key = ?'),
    endVersion: db.prepare(
      `UPDATE catalogue_versions SET ended_seq = ?, ended_at = ? WHERE name_id = ? AND version = ?
       RETURNING actor, size`,
    ),
    allVersions: db.prepare(
      `SELECT n.key, ${VERSION_COLUMNS}, v.ended_at FROM catalogue_versions v
       JOIN catalogue_names n ON n.id = v.name_id`,
    ),
    accounts: db.prepare('SELECT * FROM catalogue_accounts'),
    saveAccount: db.prepare(
      `INSERT OR REPLACE INTO catalogue_accounts
       (name, role, prefix, disabled, password_event, quota_bytes, quota_files, created_at, keys)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    addresses: db.prepare('SELECT * FROM catalogue_addresses ORDER BY touched_seq'),
    saveAddress: db.prepare(
      `INSERT INTO catalogue_addresses (address, failures, ban_until, streak, last_ban_end, touched_seq)
       VALUES (?, ?, ?, ?, ?, coalesce(?, (SELECT touched_seq FROM catalogue_addresses WHERE address = ?)))
       ON CONFLICT (address) DO UPDATE SET failures = excluded.failures, ban_until = excluded.ban_until,
         streak = excluded.streak, last_ban_end = excluded.last_ban_end,
         touched_seq = coalesce(excluded.touched_seq, touched_seq)`,
    ),
    forgetAddress: db.prepare('DELETE FROM catalogue_addresses WHERE address = ?'),
    heldUploads: db.prepare('SELECT actor, upload, name, held, at, seq FROM catalogue_held_uploads'),
    saveHeldUpload: db.prepare(
      `INSERT OR REPLACE INTO catalogue_held_uploads (actor, upload, name, held, at, seq)
       VALUES (@actor, @upload, @name, @held, @at, @seq)`,
    ),
    forgetHeldUpload: db.prepare('DELETE FROM catalogue_held_uploads WHERE actor = ? AND upload = ?'),
    insertDeletion: db.prepare(
      'INSERT INTO catalogue_deletions (name_id, seq, version, at, actor, renamed_to) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    addUsage: db.prepare(
      `INSERT INTO catalogue_usage (actor, files, bytes) VALUES (?, ?, ?)
       ON CONFLICT (actor) DO UPDATE SET files = files + excluded.files, bytes = bytes + excluded.bytes`,
    ),
    dropEmptyUsage: db.prepare('DELETE FROM catalogue_usage WHERE actor = ? AND files = 0'),
    collect: db.prepare('INSERT OR IGNORE INTO catalogue_collected (sha256) VALUES (?)'),
    uncollect: db.prepare('DELETE FROM catalogue_collected WHERE sha256 = ?'),
    oldestRequests: db.prepare('SELECT seq, at FROM catalogue_requests ORDER BY seq LIMIT ?'),
    forgetRequests: db.prepare('DELETE FROM catalogue_requests WHERE seq <= ?'),
    rememberRequest: db.prepare(
      `INSERT INTO catalogue_requests (actor, request_id, seq, type, name_id, version, at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (actor, request_id) DO UPDATE SET
         seq = excluded.seq, type = excluded.type, name_id = excluded.name_id,
         version = excluded.version, at = excluded.at`,
    ),
  };
}
