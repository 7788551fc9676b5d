import { existsSync } from 'node:fs';
import { note } from './report';
import { run } from './processes';

/**
 * Makes sure `programs` exist, installing `packages` with apt-get when one is missing (a peer server for a
 * side-by-side figure). False, with a note naming `purpose`, when that is not possible.
 */
export async function ensurePackages(
  purpose: string,
  programs: readonly string[],
  packages: readonly string[],
): Promise<boolean> {
  if (programs.every((program) => existsSync(program))) return true;
  if (!existsSync('/usr/bin/apt-get')) {
    note(`${purpose}: ${packages.join(', ')} missing and there is no apt-get`);
    return false;
  }
  note(`${purpose}: installing ${packages.join(', ')} with apt-get`);
  await run('apt-get', ['update', '-qq'], 300_000);
  const installed = await run(
    'env',
    [
      'DEBIAN_FRONTEND=noninteractive',
      ...['apt-get', 'install', '-y', '-qq', '--no-install-recommends'],
      ...['-o', 'DPkg::Lock::Timeout=300', ...packages],
    ],
    600_000,
  );
  if (installed.code !== 0 || !programs.every((program) => existsSync(program))) {
    note(`${purpose}: apt-get install failed (${installed.stderr.trim().split('\n').pop() ?? ''})`);
    return false;
  }
  return true;
}
