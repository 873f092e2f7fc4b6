// Reader of iporigin's packed range table (`data/ranges.bin` of the PyPI package iporigin
// 1.1.2): the open data the worker itself uses to tell datacenter, VPN and Tor addresses.
// The quality scenarios pick their hosting, VPN and Tor addresses from it, and check that the
// residential addresses they invent fall in none of its ranges.
//
// Format, little-endian (iporigin/_data.py):
//   header  <8sHQHII   magic "IPORIGIN", version u16 (1), built_at u64 (Unix s),
//                      n_labels u16, n_v4 u32, n_v6 u32
//   labels  n_labels × (u16 length, utf-8 "provider\tkind")
//   v4      n_v4 × (start u32, end u32, label u16), sorted by start, never overlapping
//   v6      n_v6 × (start 16 bytes big-endian, end 16 bytes, label u16)
import { readFileSync } from "node:fs";

// Where scripts/setup.sh unpacks the iporigin wheel (the same file the worker build reads).
export const DEFAULT_PATH = new URL("../../.tools/pypi/iporigin/iporigin/data/ranges.bin", import.meta.url).pathname;

export const ipToInt = (ip) => ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
export const intToIp = (n) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

export function loadRanges(path = process.env.EDGEWARD_IPORIGIN || DEFAULT_PATH) {
  let buf;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`iporigin's ranges.bin not readable at ${path} (set EDGEWARD_IPORIGIN): ${e.message}`);
  }
  const magic = buf.toString("latin1", 0, 8);
  if (magic !== "IPORIGIN") throw new Error(`${path} is not an iporigin table (magic ${JSON.stringify(magic)})`);
  const version = buf.readUInt16LE(8);
  if (version !== 1) throw new Error(`${path}: iporigin table version ${version}, this reader knows 1`);
  const builtAt = Number(buf.readBigUInt64LE(10));
  const nLabels = buf.readUInt16LE(18);
  const nV4 = buf.readUInt32LE(20);
  const nV6 = buf.readUInt32LE(24);
  let off = 28;
  const labels = [];
  for (let i = 0; i < nLabels; i++) {
    const len = buf.readUInt16LE(off);
    off += 2;
    const [provider, kind] = buf.toString("utf8", off, off + len).split("\t");
    labels.push({ provider, kind });
    off += len;
  }
  const v4 = [];
  for (let i = 0; i < nV4; i++, off += 10) {
    v4.push({ start: buf.readUInt32LE(off), end: buf.readUInt32LE(off + 4), label: labels[buf.readUInt16LE(off + 8)] });
  }
  if (buf.length !== off + nV6 * 34) throw new Error(`${path}: ${buf.length} bytes, expected ${off + nV6 * 34}`);
  return new Ranges(path, builtAt, labels, v4);
}

export class Ranges {
  constructor(path, builtAt, labels, v4) {
    Object.assign(this, { path, builtAt, labels, v4 });
  }

  /** The {provider, kind} of an IPv4 address, or null. */
  find(ip) {
    const x = ipToInt(ip);
    let lo = 0;
    let hi = this.v4.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.v4[mid].start <= x) {
        at = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return at >= 0 && x <= this.v4[at].end ? this.v4[at].label : null;
  }

  /** The IPv4 ranges of a provider (and kind), in table order. */
  rangesOf(provider, kind) {
    return this.v4.filter((r) => r.label.provider === provider && (!kind || r.label.kind === kind));
  }

  /**
   * A deterministic address of `provider` (kind `kind`): `rand` is a [0,1) generator. One of
   * the provider's ranges uniformly (so one huge block does not take every pick), then a host
   * in it, avoiding the first and last address of a range larger than two.
   */
  pick(provider, kind, rand) {
    const rs = this.rangesOf(provider, kind);
    if (rs.length === 0) throw new Error(`iporigin table ${this.path} has no ${kind} ranges of ${provider}`);
    const r = rs[Math.floor(rand() * rs.length)];
    const size = r.end - r.start + 1;
    const host = size <= 2 ? r.start : r.start + 1 + Math.floor(rand() * (size - 2));
    return intToIp(host);
  }
}
