import { readFile } from 'node:fs/promises';
import { AuditFailure, AuditResult, failed, passed } from '../domain/audit/audit-failure';

/**
 * Exit codes of the audit subcommands: 0 the check passed, 1 it failed (the log, a proof or a blob is
 * not what it should be), 2 it could not be made (no such folder, key or file).
 */
export const AUDIT_EXIT = { passed: 0, failed: 1, unchecked: 2 } as const;

/** One line on stderr with the stable code; with --json also the failure as a JSON object on stdout. */
export function reportAuditFailure(failure: AuditFailure, json = false): number {
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, ...failure })}\n`);
  const message = failure.message.replace(/\s*\n\s*/g, ' ');
  const unchecked = failure.code === 'UNREADABLE';
  process.stderr.write(`ferry: ${unchecked ? '' : 'audit failed: '}${message} (${failure.code})\n`);
  return unchecked ? AUDIT_EXIT.unchecked : AUDIT_EXIT.failed;
}

/** A JSON file someone handed us (a kept checkpoint, a proof): parsed here, checked by the domain. */
export async function readJsonFile(path: string): Promise<AuditResult<unknown>> {
  const text = await readTextFile(path);
  return text.ok ? parseJsonText(text.value, path) : text;
}

/** A file someone handed us (a kept checkpoint note, a proof), as text. */
export async function readTextFile(path: string): Promise<AuditResult<string>> {
  try {
    return passed(await readFile(path, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    return failed('UNREADABLE', `cannot read ${path}: ${why}`);
  }
}

export function parseJsonText(text: string, path: string): AuditResult<unknown> {
  try {
    return passed(JSON.parse(text) as unknown);
  } catch {
    return failed('UNREADABLE', `${path} is not JSON`);
  }
}
