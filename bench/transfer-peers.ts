import { chmodSync, chownSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensurePackages } from './lib/apt';
import { note } from './lib/report';
import { elapsedMs, now, run, sleep, spawnTracked } from './lib/processes';
import { GiB } from './lib/stats';

/**
 * vsftpd driven by curl, configured and measured as /work/shared/bench/baselines.sh does, so that
 * Ferry/vsftpd ratios come from one run. Bound to 127.0.0.1 only; killed by pid when done.
 */

const VSFTPD = '/usr/sbin/vsftpd';
const PORT = 2122;
/** As many passive ports as baselines.sh (30100-30120), shifted so both can run at once. */
const PASSIVE_PORTS = [30200, 30220] as const;

/**
 * A 1,000-file curl run. On this loopback some data connections wait 1 s for a SYN retransmit (curl's
 * time_connect >= 0.9 s), the same when vsftpd is idle; `stallMs` is that waiting, so the figure can
 * also be quoted without it.
 */
export interface SmallRun {
  readonly ms: number;
  readonly stallMs: number;
}

export interface Vsftpd {
  upload1g(file: string): Promise<number | undefined>;
  download1g(): Promise<number | undefined>;
  /** The 1 GiB download into a file, then `sha256sum` of it: a verified copy, as `ferry get` makes. */
  download1gVerified(target: string): Promise<number | undefined>;
  uploadSmall(smallDir: string, count: number): Promise<SmallRun | undefined>;
  downloadSmall(count: number): Promise<SmallRun | undefined>;
  stop(): Promise<void>;
}

/** Installs vsftpd and curl with apt-get if they are missing; false (and a note) if that is not possible. */
function ensureInstalled(): Promise<boolean> {
  return ensurePackages('peers', [VSFTPD, '/usr/bin/curl'], ['vsftpd', 'curl']);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function userId(name: string): Promise<number | undefined> {
  const result = await run('id', ['-u', name]);
  return result.code === 0 ? Number(result.stdout.trim()) : undefined;
}

export async function startVsftpd(work: string): Promise<Vsftpd | undefined> {
  if (!(await ensureInstalled())) return undefined;
  if (await portOpen(PORT)) {
    note(`peers: port ${PORT} is busy; skipping the peer figures`);
    return undefined;
  }
  const root = join(work, 'ftproot');
  const empty = join(work, 'vsftpd-empty');
  const downloads = join(work, 'ftp-dl');
  rmSync(root, { recursive: true, force: true });
  for (const dir of [join(root, 'up'), empty, downloads]) mkdirSync(dir, { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(empty, 0o755);
  const ftpUser = (await userId('ftp')) !== undefined ? 'ftp' : 'nobody';
  const uid = (await userId(ftpUser))!;
  chownSync(join(root, 'up'), uid, uid);
  const config = join(work, 'vsftpd.conf');
  writeFileSync(
    config,
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      `listen_port=${PORT}`,
      'background=NO',
      'anonymous_enable=YES',
      'local_enable=NO',
      'write_enable=YES',
      'anon_upload_enable=YES',
      'anon_mkdir_write_enable=YES',
      'anon_other_write_enable=YES',
      'anon_umask=022',
      `anon_root=${root}`,
      'no_anon_password=YES',
      `ftp_username=${ftpUser}`,
      'pasv_enable=YES',
      `pasv_min_port=${PASSIVE_PORTS[0]}`,
      `pasv_max_port=${PASSIVE_PORTS[1]}`,
      'pasv_address=127.0.0.1',
      'connect_from_port_20=NO',
      `secure_chroot_dir=${empty}`,
      'xferlog_enable=NO',
      'ssl_enable=NO',
      'dirmessage_enable=NO',
      'seccomp_sandbox=NO',
      '',
    ].join('\n'),
  );
  const server = spawnTracked(VSFTPD, [config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let up = false;
  for (let i = 0; i < 100 && !up && server.exitCode === null; i++) {
    await sleep(50);
    up = await portOpen(PORT);
  }
  if (!up) {
    server.kill('SIGKILL');
    note('peers: vsftpd did not start; skipping the peer figures');
    return undefined;
  }
  const url = `ftp://127.0.0.1:${PORT}/up`;
  const timed = async (args: string[]): Promise<{ ms: number; stdout: string } | undefined> => {
    const started = now();
    const result = await run('curl', ['-sS', ...args], 300_000);
    const ms = elapsedMs(started);
    if (result.code !== 0) {
      note(`peers: curl ${args.join(' ')} failed: ${result.stderr.trim()}`);
      return undefined;
    }
    return { ms, stdout: result.stdout };
  };
  const perFile = '%{response_code} %{time_connect} %{time_total}\n';
  /** Every file must have got a 226; the files that waited for a TCP connect are counted. */
  const smallRun = (label: string, count: number, timing: { ms: number; stdout: string } | undefined) => {
    if (!timing) return undefined;
    const files = timing.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(' ').map(Number));
    const completed = files.filter(([code]) => code === 226).length;
    if (completed !== count) {
      note(`peers: vsftpd ${label}: only ${completed} of ${count} files completed`);
      return undefined;
    }
    const stalled = files.filter(([, connect]) => connect >= 0.9);
    const stallMs = 1000 * stalled.reduce((sum, [, connect]) => sum + connect, 0);
    if (stalled.length > 0) {
      note(
        `  vsftpd ${label}: ${stalled.length} data connections waited ${(stallMs / 1000).toFixed(1)} s in TCP connect`,
      );
    }
    return { ms: timing.ms, stallMs };
  };
  return {
    upload1g: async (file) => {
      rmSync(join(root, 'up', '1g.bin'), { force: true });
      await run('sync', []);
      const timing = await timed(['-T', file, `${url}/1g.bin`]);
      return timing && statSync(join(root, 'up', '1g.bin')).size === GiB ? timing.ms : undefined;
    },
    download1g: async () => (await timed(['-o', '/dev/null', `${url}/1g.bin`]))?.ms,
    download1gVerified: async (target) => {
      rmSync(target, { force: true });
      const started = now();
      const copied = await timed(['-o', target, `${url}/1g.bin`]);
      const summed = copied && (await run('sha256sum', [target], 300_000));
      const ms = elapsedMs(started);
      rmSync(target, { force: true });
      return summed?.code === 0 ? ms : undefined;
    },
    uploadSmall: async (smallDir, count) => {
      rmSync(join(root, 'up', 'small'), { recursive: true, force: true });
      await run('sync', []);
      const last = String(count).padStart(4, '0');
      const args = [
        '--ftp-create-dirs',
        '-T',
        `${smallDir}/f[0001-${last}].bin`,
        `${url}/small/`,
        '-w',
        perFile,
      ];
      return smallRun('upload', count, await timed(args));
    },
    downloadSmall: async (count) => {
      rmSync(downloads, { recursive: true, force: true });
      mkdirSync(downloads);
      await run('sync', []);
      const last = String(count).padStart(4, '0');
      const args = [`${url}/small/f[0001-${last}].bin`, '-o', `${downloads}/f#1.bin`, '-w', perFile];
      return smallRun('download', count, await timed(args));
    },
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}
