// The simulator cannot reach the internet, so a download-url "downloads" a deterministic body derived from
// its URL. Tests compute the checksum a real server's file would have with simDownloadChecksum.
import { createHash } from 'node:crypto';

export const DOWNLOAD_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type DownloadAlgorithm = (typeof DOWNLOAD_ALGORITHMS)[number];

/** The bytes the simulator serves for `url`: 64-128 KiB, the same every time. */
export function simDownloadBody(url: string): Buffer {
  const seed = createHash('sha256').update(url).digest();
  const length = 64 * 1024 + seed[0] * 256;
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i += seed.length) seed.copy(body, i);
  return body;
}

export function simDownloadChecksum(url: string, algorithm: DownloadAlgorithm): string {
  return createHash(algorithm).update(simDownloadBody(url)).digest('hex');
}

/** The body a volume holds: a downloaded one its URL's, any other one derived from its volid. */
export function simVolumeChecksum(volume: { volid: string; source?: string }, algorithm: DownloadAlgorithm): string {
  return simDownloadChecksum(volume.source ?? `sim-volume:${volume.volid}`, algorithm);
}
