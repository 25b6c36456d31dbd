import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { SessionInputError } from '../errors/session-input.error';
import { VALUE_NOT_JSON } from '../errors/error.messages';

/** Prefix of data fields in the session hash; metadata fields are single letters and never start with it. */
export const DATA_FIELD_PREFIX = '.';

/** Marks a compressed value. JSON never starts with '~', so plain values need no marker at all. */
const COMPRESSED = '~br:';

/**
 * Data values as session hash fields: JSON, or from `thresholdBytes` on, brotli-compressed JSON in base64 behind a
 * marker. Off (0) by default: compression costs CPU on every write and every read of the field. @internal
 */
export class ValueCodec {
  constructor(private readonly thresholdBytes: number) {}

  /** Data as the hash's field/value pairs (`.<name>` → JSON), and the bytes they take (what maxDataBytes counts). */
  encodeFields(data: Record<string, unknown>): { pairs: string[]; bytes: number } {
    const pairs = Object.entries(data).flatMap(([name, value]) => [DATA_FIELD_PREFIX + name, this.encode(name, value)]);
    return { pairs, bytes: pairs.reduce((sum, part) => sum + Buffer.byteLength(part), 0) };
  }

  encode(name: string, value: unknown): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {} // a cycle or a BigInt: json stays undefined
    if (json === undefined) throw new SessionInputError(VALUE_NOT_JSON(name));
    if (this.thresholdBytes <= 0 || json.length < this.thresholdBytes) return json;
    const packed = brotliCompressSync(json, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
    }).toString('base64');
    // Incompressible data stays plain: the marker and base64 would only make it bigger.
    return packed.length + COMPRESSED.length < json.length ? COMPRESSED + packed : json;
  }
}

/** Reads a field written by ValueCodec (compressed or not) or by another tool (raw text). */
export function decodeValue(v: string): unknown {
  try {
    if (!v.startsWith(COMPRESSED)) return JSON.parse(v);
    return JSON.parse(brotliDecompressSync(Buffer.from(v.slice(COMPRESSED.length), 'base64')).toString());
  } catch {
    return v; // not ours: the raw string, rather than failing the whole request
  }
}
