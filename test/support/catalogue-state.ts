import { CatalogueStore } from '../../src/domain/ports/catalogue-store.port';

/** What to ask a catalogue about: every read is made for each of these. */
export interface CatalogueProbe {
  readonly names: readonly string[];
  readonly actors: readonly string[];
  readonly requestIds: readonly string[];
  readonly addresses: readonly string[];
  readonly now: Date;
}

/**
 * Everything a catalogue answers about the probe, as one plain value: two catalogues that answer every
 * read alike give equal states, whatever stores them.
 */
export function catalogueState(catalogue: CatalogueStore, probe: CatalogueProbe) {
  const sortedVersions = [...catalogue.allVersions()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version,
  );
  return {
    position: catalogue.position(),
    listed: catalogue.list('', { limit: Number.MAX_SAFE_INTEGER }),
    versions: sortedVersions,
    names: probe.names.map((name) => ({
      name,
      live: catalogue.live(name),
      latest: catalogue.latestVersion(name),
      history: catalogue.history(name),
    })),
    actors: probe.actors.map((actor) => ({
      actor,
      usage: catalogue.usage(actor),
      outcomes: probe.requestIds.map((id) => catalogue.outcomeOf(actor, id)),
    })),
    accounts: catalogue.accounts.list(),
    addresses: probe.addresses.map((address) => ({
      address,
      failures: catalogue.bans.failuresWithin(address, 24 * 3_600_000, probe.now),
      bannedUntil: catalogue.bans.bannedUntil(address),
      nextBan: catalogue.bans.nextBanNumber(address, probe.now),
    })),
    expired: catalogue.bans.expired(probe.now),
  };
}
