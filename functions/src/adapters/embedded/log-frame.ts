// Durable-log record framing: v2 frames (u32 length + crc32 over length and payload) and the v1 frames of logs written before them.
import { crc32 } from 'node:zlib';

/** Every frame starts with a u32 length and a u32 CRC (little-endian). */
export const FRAME_HEADER = 8;

/**
 * 1: the first format, crc32 of the payload only (a corrupted length went unnoticed, and an all-zero header read as an
 * empty record). 2: crc32 over the length bytes and the payload. Segments say their format in their file name.
 */
export type FrameFormat = 1 | 2;
export const CURRENT_FORMAT: FrameFormat = 2;

export interface LogRecord {
  /** Global byte offset where the record's frame starts. */
  offset: number;
  /** Offset just after the frame (where the next record starts). */
  next: number;
  payload: Buffer;
}

function frameCrc(buf: Buffer, pos: number, len: number, format: FrameFormat): number {
  const payload = buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len);
  return format === 2 ? crc32(payload, crc32(buf.subarray(pos, pos + 4))) : crc32(payload);
}

/**
 * Writes one frame in the current format at `pos` of `target`, its payload being `parts` laid end to end (`length`
 * bytes in all): the parts are copied once, straight into place, and the CRC runs over them where they already are.
 * Returns the offset just after the frame.
 */
export function writeFrame(target: Buffer, pos: number, parts: readonly Buffer[], length: number): number {
  target.writeUInt32LE(length, pos);
  let crc = crc32(target.subarray(pos, pos + 4));
  let at = pos + FRAME_HEADER;
  for (const part of parts) {
    crc = crc32(part, crc);
    at += part.copy(target, at);
  }
  target.writeUInt32LE(crc, pos + 4);
  return at;
}

/**
 * Parses whole, valid frames from `buf` (which starts at global offset `base`); stops at a torn frame (not yet
 * readable, or a torn tail) and at a corrupt one. An all-zero header is never a record, in either format: zeroed or
 * preallocated blocks (a file extended but its data never written) end the log there.
 */
export function parseFrames(buf: Buffer, base: number, format: FrameFormat = CURRENT_FORMAT): { records: LogRecord[]; consumed: number; corruptAt: number | null } {
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos + FRAME_HEADER <= buf.length) {
    const len = buf.readUInt32LE(pos);
    const crc = buf.readUInt32LE(pos + 4);
    if (len === 0 && crc === 0) return { records, consumed: pos, corruptAt: base + pos };
    if (pos + FRAME_HEADER + len > buf.length) break;
    if (frameCrc(buf, pos, len, format) !== crc) return { records, consumed: pos, corruptAt: base + pos };
    records.push({ offset: base + pos, next: base + pos + FRAME_HEADER + len, payload: buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len) });
    pos += FRAME_HEADER + len;
  }
  return { records, consumed: pos, corruptAt: null };
}
