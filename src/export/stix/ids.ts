/**
 * Deterministic STIX identifiers. Re-exporting the same findings must give the same ids, so
 * that a platform importing the bundle twice updates objects instead of duplicating them.
 *
 * - SDOs and SROs: UUIDv5 in vigie's own namespace over a content key (type and subject).
 * - SCOs: UUIDv5 in the namespace the STIX 2.1 specification fixes for SCOs
 *   (00abedb4-aa42-466c-9c01-fed23315a9b7) over the canonical JSON of the type's
 *   ID-contributing properties (spec section 2.9), so vigie's `domain-name` for a value has the
 *   same id as any other conformant producer's.
 *
 * Hand-written (25 lines over node:crypto) rather than adding the `uuid` package: only v5 is
 * needed and the project avoids new dependencies.
 */
import { createHash } from 'node:crypto';

/** The STIX 2.1 namespace for SCO identifiers (STIX 2.1 spec, 2.9 "STIX Identifiers"). */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
/** vigie's namespace for SDO/SRO identifiers (itself uuidv5(DNS namespace, "vigie.stix")). */
export const VIGIE_NAMESPACE = 'b58ee63d-c1bb-51c8-8622-1da8972c2f42';

/** RFC 4122 (section 4.3) name-based UUID, version 5 (SHA-1). */
export function uuidv5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`bad namespace uuid ${namespace}`);
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Canonical JSON (RFC 8785) for flat objects of strings and numbers: sorted keys, no spaces. */
export function canonicalJson(o: Record<string, string | number>): string {
  return (
    '{' +
    Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`)
      .join(',') +
    '}'
  );
}

/** `type--uuid` for an SDO or SRO, from a content key. */
export function sdoId(type: string, key: string): string {
  return `${type}--${uuidv5(`${type}\u0000${key}`, VIGIE_NAMESPACE)}`;
}

/** `type--uuid` for an SCO, from its ID-contributing properties. */
export function scoId(type: string, contributing: Record<string, string | number>): string {
  return `${type}--${uuidv5(canonicalJson(contributing), STIX_SCO_NAMESPACE)}`;
}
