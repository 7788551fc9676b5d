import { cpus, release, totalmem } from 'node:os';
import { note } from './report';

export function describeMachine(): void {
  const cores = cpus();
  note(
    `machine: ${cores.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cores[0]?.model.trim() ?? '?'}, ` +
      `node ${process.version}, kernel ${release()}, ${new Date().toISOString()}`,
  );
}
