// The target address in a Redis job, sealed: AES-256-GCM with a key derived from
// SELFSCAN_JOB_KEY (shared by web nodes and workers), so Redis, its AOF and its backups hold only
// ciphertext. The scan id is the associated data: a sealed address moved to another job does not
// open. Jobs are removed when they end (bullmq-queue.ts), so even the ciphertext lives no longer
// than the scan.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export type JobKey = Buffer;

export function jobKeyOf(secret: string): JobKey {
  return createHash('sha256').update('selfscan job key v1\0').update(secret).digest();
}

/** base64url(iv ‖ tag ‖ ciphertext). */
export function sealAddress(key: JobKey, scanId: string, address: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(scanId));
  const body = Buffer.concat([cipher.update(address, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Throws when the key differs or the payload was changed. */
export function openAddress(key: JobKey, scanId: string, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 29) throw new Error('sealed address too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(scanId));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
