import { MemoryEventLog } from '../../src/infra/memory-event-log';
import { RawConnection } from '../support/raw-connection';
import { startTestServer } from '../support/test-server';

/** A memory log that counts its commits and can hold them back, to watch when replies leave. */
class GatedEventLog extends MemoryEventLog {
  commits = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  override async commit(): Promise<void> {
    await this.gate;
    this.commits++;
    await super.commit();
  }
}

describe('pipelined requests (memory storage variant, to observe the log)', () => {
  it('share log commits, and every reply still waits for its event to be durable', async () => {
    const eventLog = new GatedEventLog();
    const ferry = await startTestServer({ store: 'memory', overrides: { eventLog } });
    const raw = await RawConnection.open(ferry.address);
    await ferry.app.ledger.drain();

    eventLog.hold();
    raw.send('LIST\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(raw.unread).toBe(0);
    eventLog.release();
    expect((await raw.lines(1))[0]).toMatch(/^OK count=0$/);

    const before = eventLog.commits;
    raw.send('LIST\n'.repeat(200));
    const replies = await raw.lines(200);
    expect(replies.every((line) => line === 'OK count=0')).toBe(true);
    expect(eventLog.commits - before).toBeLessThan(50);
    raw.send('LOGOUT\n');
    await raw.closed();
    await ferry.stop();
  });
});
