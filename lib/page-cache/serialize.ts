/*
 * Cache values as text for Redis, without loss: page entries carry Buffers (`rscData`, route bodies)
 * and a Map of Buffers (`segmentData`), which JSON alone would turn into `{type, data}` objects and
 * `{}`. Buffers become {"$b": base64} and Maps {"$m": [[key, value]…]}; everything else is JSON.
 */

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

function encode(value: unknown): Encoded {
  if (value === undefined || value === null) return null;
  if (Buffer.isBuffer(value)) return { $b: value.toString('base64') };
  if (value instanceof Uint8Array)
    return { $b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Map) return { $m: [...value.entries()].map(([k, v]) => [encode(k), encode(v)]) };
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === 'object') {
    const out: { [key: string]: Encoded } = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = encode(inner);
    return out;
  }
  return value as Encoded;
}

function decode(value: Encoded): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    if (typeof value.$b === 'string' && Object.keys(value).length === 1) return Buffer.from(value.$b, 'base64');
    if (Array.isArray(value.$m) && Object.keys(value).length === 1) {
      return new Map((value.$m as Encoded[][]).map(([k, v]) => [decode(k as Encoded), decode(v as Encoded)]));
    }
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = decode(inner);
    return out;
  }
  return value;
}

export const serializeValue = (value: unknown): string => JSON.stringify(encode(value));
export const deserializeValue = <T>(text: string): T => decode(JSON.parse(text) as Encoded) as T;
