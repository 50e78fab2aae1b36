/**
 * A minimal ZIP writer (PKWARE APPNOTE 6.3: local headers, central directory, end record; no
 * ZIP64, so under 4 GiB): enough to hand a model's files over as one download. Each entry is
 * deflated (off the event loop, on libuv's pool) unless that does not make it smaller.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const STORED = 0;
const DEFLATED = 8;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;

/** MS-DOS date and time, as ZIP headers keep them (two-second resolution, local years from 1980). */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    day: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

interface Packed {
  name: Buffer;
  method: number;
  crc: number;
  size: number;
  body: Uint8Array;
  offset: number;
}

/** The header fields local and central records share: version, flags, method, time, crc, sizes, name length. */
function commonFields(header: Buffer, at: number, entry: Packed, when: { time: number; day: number }): void {
  header.writeUInt16LE(20, at); // version needed: 2.0 (deflate)
  header.writeUInt16LE(UTF8_NAMES, at + 2);
  header.writeUInt16LE(entry.method, at + 4);
  header.writeUInt16LE(when.time, at + 6);
  header.writeUInt16LE(when.day, at + 8);
  header.writeUInt32LE(entry.crc, at + 10);
  header.writeUInt32LE(entry.body.byteLength, at + 14);
  header.writeUInt32LE(entry.size, at + 18);
  header.writeUInt16LE(entry.name.byteLength, at + 22);
}

function localHeader(entry: Packed, when: { time: number; day: number }): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  commonFields(header, 4, entry, when);
  return Buffer.concat([header, entry.name]);
}

function centralHeader(entry: Packed, when: { time: number; day: number }): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(20, 4); // version made by: 2.0, MS-DOS attributes
  commonFields(header, 6, entry, when);
  header.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([header, entry.name]);
}

function endRecord(count: number, directorySize: number, directoryOffset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return end;
}

/** The ZIP archive of the entries, in order. */
export async function zip(entries: ZipEntry[], date = new Date()): Promise<Buffer> {
  const when = dosDateTime(date);
  const parts: Uint8Array[] = [];
  const packed: Packed[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const deflated = await deflateRaw(data);
    const smaller = deflated.byteLength < data.byteLength;
    const entry: Packed = {
      name: Buffer.from(name, 'utf8'),
      method: smaller ? DEFLATED : STORED,
      crc: zlib.crc32(data),
      size: data.byteLength,
      body: smaller ? deflated : data,
      offset,
    };
    const header = localHeader(entry, when);
    parts.push(header, entry.body);
    packed.push(entry);
    offset += header.byteLength + entry.body.byteLength;
  }
  const directory = packed.map((entry) => centralHeader(entry, when));
  const directorySize = directory.reduce((n, b) => n + b.byteLength, 0);
  return Buffer.concat([...parts, ...directory, endRecord(packed.length, directorySize, offset)]);
}
