/**
 * What the Hub says a file's bytes hash to, and a running hash to compare with it. An LFS file's
 * `x-linked-etag` is the sha256 of its bytes; a plain git file's `etag` is its git blob id (sha1 of
 * `blob <size>\0` + bytes); an etag of any other shape (a mirror's own) lets only the size be checked.
 */

import { createHash, type Hash } from 'crypto';

/** The digest a file must have, or 'size' when the server gave no digest we can recompute. */
export type ExpectedDigest = { readonly kind: 'sha256' | 'git-sha1'; readonly hex: string } | { readonly kind: 'size' };

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHA1_HEX = /^[0-9a-f]{40}$/;

/** Reads the digest from the Hub's headers: `x-linked-etag` (LFS sha256) first, then `etag` (git sha1). */
export function expectedDigest(linkedEtag: string | null, etag: string | null): ExpectedDigest {
  for (const header of [linkedEtag, etag]) {
    const hex = header?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase() ?? '';
    if (SHA256_HEX.test(hex)) return { kind: 'sha256', hex };
    if (SHA1_HEX.test(hex)) return { kind: 'git-sha1', hex };
  }
  return { kind: 'size' };
}

/** Hashes a file's bytes as they arrive, the way its expected digest was made. */
export class RunningDigest {
  private readonly hash: Hash | undefined;

  constructor(
    readonly expected: ExpectedDigest,
    totalBytes: number,
  ) {
    if (expected.kind === 'sha256') this.hash = createHash('sha256');
    if (expected.kind === 'git-sha1') this.hash = createHash('sha1').update(`blob ${totalBytes}\0`);
  }

  /** Adds the next bytes of the file. */
  update(chunk: Uint8Array): void {
    this.hash?.update(chunk);
  }

  /** Whether the bytes seen hash to the expected digest (always true when only the size is checked). */
  matches(): { readonly ok: boolean; readonly actual?: string } {
    if (!this.hash || this.expected.kind === 'size') return { ok: true };
    const actual = this.hash.digest('hex');
    return { ok: actual === this.expected.hex, actual };
  }
}
