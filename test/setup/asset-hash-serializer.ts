/**
 * Jest snapshot serializer: replaces asset hashes (64 hex characters) in strings, so that an edit
 * to a Lambda handler does not churn every template snapshot.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;

export function test(value: unknown): boolean {
  return typeof value === 'string' && value.match(ASSET_HASH) !== null;
}

export function serialize(value: string): string {
  return JSON.stringify(value.replace(ASSET_HASH, '[ASSET HASH]'));
}
