import { readEvents } from '../support/audit-db';
import { RawConnection } from '../support/raw-connection';
import { removeStoredBlob, replaceStoredBlob } from '../support/stored-blobs';
import { chunksOf, collector, sha256 } from '../support/streams';
import { serverPerTest } from '../support/test-server';

describe('bytes damaged behind the server’s back (real disk)', () => {
  const servers = serverPerTest();
  const bytes = Buffer.from('the stored bytes of a file');

  async function storeOneFile(): Promise<void> {
    const client = await servers.ferry.connect();
    await client.upload('kept.txt', chunksOf(bytes), bytes.length);
    await client.upload('kept.txt', chunksOf(Buffer.from('v2')), 2);
    await client.logout();
  }

  it('refuses DOWNLOAD and RESTORE of a missing blob with STORAGE_FAILED, and serves on', async () => {
    await storeOneFile();
    removeStoredBlob(servers.ferry.dataDir, sha256(bytes));
    const client = await servers.ferry.connect();
    await expect(client.download('kept.txt', collector().sink, { version: 1 })).rejects.toMatchObject({
      code: 'STORAGE_FAILED',
    });
    await expect(client.restore('kept.txt', 1)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    const live = collector();
    await client.download('kept.txt', live.sink);
    expect(live.bytes().toString()).toBe('v2');
    await client.logout();
  });

  it('cuts the connection when a blob is shorter than recorded, and logs the download as incomplete', async () => {
    await storeOneFile();
    replaceStoredBlob(servers.ferry.dataDir, sha256(bytes), bytes.subarray(0, 5));
    const raw = await RawConnection.open(servers.ferry.address);
    raw.send('DOWNLOAD kept.txt version=1\n');
    const [header] = await raw.lines(1);
    expect(header).toMatch(new RegExp(`^OK size=${bytes.length} `));
    expect((await raw.bytes(bytes.length)).length).toBe(5);
    await raw.closed();
    await servers.ferry.stop();
    const download = readEvents(servers.ferry.dataDir).find((event) => event.type === 'FileDownloaded');
    expect(download?.payload).toMatchObject({ name: 'kept.txt', version: 1, bytes: 5, complete: false });
  });
});
