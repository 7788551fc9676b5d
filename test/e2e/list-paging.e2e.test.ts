import { readEvents } from '../support/audit-db';
import { RawConnection } from '../support/raw-connection';
import { chunksOf } from '../support/streams';
import { serverPerSuite } from '../support/test-server';

const one = () => chunksOf(Buffer.from('x'));
const nameOf = (i: number) => `paged/${String(i).padStart(5, '0')}`;

describe('LIST in pages over TCP', () => {
  const ferry = serverPerSuite();
  const INITIAL = 1200;

  beforeAll(async () => {
    const client = await ferry.connect();
    // Pipelined, so the setup is one group commit after another rather than one fsync per file.
    await Promise.all(Array.from({ length: INITIAL }, (_, i) => client.upload(nameOf(i * 2), one(), 1)));
    await client.logout();
  });

  it('returns every name exactly once, in order, while uploads go on concurrently', async () => {
    const reader = await ferry.connect();
    const writer = await ferry.connect();
    let uploading = true;
    const added: string[] = [];
    const uploads = (async () => {
      // Odd numbers: between the names already there, before and after wherever the reader has got to.
      for (let i = 0; uploading; i++) {
        const name = nameOf(((i * 7919) % INITIAL) * 2 + 1);
        await writer.upload(name, one(), 1);
        added.push(name);
      }
    })();
    const listed: string[] = [];
    let pages = 0;
    for await (const page of reader.listPages('paged/', { pageSize: 50 })) {
      pages++;
      expect(page.length).toBeLessThanOrEqual(50);
      listed.push(...page.map((file) => file.name));
      // At least one upload lands between any two pages.
      const landed = added.length;
      while (added.length === landed) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    uploading = false;
    await uploads;

    expect(pages).toBeGreaterThanOrEqual(INITIAL / 50);
    expect(added.length).toBeGreaterThanOrEqual(pages);
    for (let i = 1; i < listed.length; i++) expect(listed[i - 1] < listed[i]).toBe(true);
    const initial = Array.from({ length: INITIAL }, (_, i) => nameOf(i * 2));
    const seen = new Set(listed);
    expect(initial.filter((name) => !seen.has(name))).toEqual([]);
    const known = new Set([...initial, ...added]);
    expect(listed.filter((name) => !known.has(name))).toEqual([]);
    await reader.logout();
    await writer.logout();
  });

  it('says next= on a full page, none on the last, and records one FilesListed event per page', async () => {
    const raw = await RawConnection.open(ferry.address);
    raw.send('LIST paged/ limit=2\n');
    const [first, a, b] = await raw.lines(3);
    // The first test added some odd numbers between the even ones.
    const [nameA, nameB] = [a, b].map((line) => line.split(' ')[0]);
    expect(nameA).toBe(nameOf(0));
    expect([nameOf(1), nameOf(2)]).toContain(nameB);
    expect(first).toBe(`OK count=2 next=${nameB}`);
    raw.send(`LIST paged/ after=${nameB} limit=1\n`);
    const [second, c] = await raw.lines(2);
    const nameC = c.split(' ')[0];
    expect(second).toBe(`OK count=1 next=${nameC}`);
    expect(nameC > nameB).toBe(true);
    raw.send('LIST paged/ after=paged/99999\n');
    expect(await raw.lines(1)).toEqual(['OK count=0']);
    raw.send('LIST paged/ limit=0\n');
    expect(await raw.lines(1)).toEqual(['ERR BAD_REQUEST bad value for limit: "0"']);
    raw.send('LOGOUT\n');
    await raw.lines(1);
    await raw.closed();
    const listings = readEvents(ferry.dataDir).filter((event) => event.type === 'FilesListed');
    expect(listings.slice(-3).map((event) => event.payload)).toEqual([
      { prefix: 'paged/', count: 2 },
      { prefix: 'paged/', count: 1, after: nameB },
      { prefix: 'paged/', count: 0, after: 'paged/99999' },
    ]);
  });

  it('pages a past moment consistently, and caps a page at 1000 files', async () => {
    const client = await ferry.connect();
    const at = String(ferry.app.ledger.catalogue.position());
    const before = await client.list('paged/', { at });
    await client.upload('paged/zzz-later', one(), 1);
    const paged = await client.list('paged/', { at, pageSize: 7 });
    expect(paged).toEqual(before);
    expect(paged.some((file) => file.name === 'paged/zzz-later')).toBe(false);
    const pages: number[] = [];
    for await (const page of client.listPages('paged/', { pageSize: 5000 })) pages.push(page.length);
    expect(pages[0]).toBe(1000);
    await client.logout();
  });
});
