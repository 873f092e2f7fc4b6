//! The range-table format of the IP look-ups: sorted range starts with one value each, read in
//! place (no decoding, no allocation per look-up), so one table can be embedded in the binary or
//! fetched from KV as a single value.
//!
//! `buildscript/ip.rs` includes this file to write tables (std only, no crate dependencies);
//! [`RangeTable`] reads them. IPv6 ranges keep their top 64 bits: routed prefixes are never
//! longer than /64, so nothing is lost.
//!
//! Layout, little-endian: `MAGIC`, value width (u8: 2 or 4), 3 bytes padding, label count
//! (u32), labels (u16 length + UTF-8 each), IPv4 count (u32), IPv6 count (u32), IPv4 starts
//! (u32 each), IPv4 values, IPv6 starts (u64 each), IPv6 values. A value of 0 means no data (a
//! gap between ranges); labelled tables number their labels from 1.

#![allow(dead_code)] // the build script uses the writer, the crate the reader.

use std::collections::HashMap;

pub const MAGIC: &[u8; 8] = b"EWRANGE1";

/// Collects ranges and writes a table.
#[derive(Default)]
pub struct Builder {
    v4: Vec<(u64, u64, u32)>,
    v6: Vec<(u64, u64, u32)>,
    labels: Vec<String>,
    index: HashMap<String, u32>,
}

impl Builder {
    /// The value standing for `label` (numbered from 1).
    pub fn label(&mut self, label: &str) -> u32 {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        self.labels.push(label.to_string());
        let i = self.labels.len() as u32;
        self.index.insert(label.to_string(), i);
        i
    }

    pub fn add_v4(&mut self, start: u32, end: u32, value: u32) {
        if start <= end && value != 0 {
            self.v4.push((start.into(), end.into(), value));
        }
    }

    pub fn add_v6(&mut self, start: u128, end: u128, value: u32) {
        if start <= end && value != 0 {
            self.v6
                .push(((start >> 64) as u64, (end >> 64) as u64, value));
        }
    }

    /// The table, with values `width` bytes wide (2 or 4). Where ranges overlap, the one that
    /// starts later wins from its start on.
    pub fn encode(mut self, width: u8) -> Vec<u8> {
        assert!(width == 2 || width == 4, "value width must be 2 or 4");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[width, 0, 0, 0]);
        out.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for l in &self.labels {
            out.extend_from_slice(&(l.len() as u16).to_le_bytes());
            out.extend_from_slice(l.as_bytes());
        }
        let v4 = boundaries(&mut self.v4, u32::MAX.into());
        let v6 = boundaries(&mut self.v6, u64::MAX);
        out.extend_from_slice(&(v4.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v6.len() as u32).to_le_bytes());
        for (bs, key_width) in [(&v4, 4), (&v6, 8)] {
            for (start, _) in bs.iter() {
                out.extend_from_slice(&start.to_le_bytes()[..key_width]);
            }
            for (_, value) in bs.iter() {
                if width == 2 {
                    assert!(*value <= u16::MAX as u32, "value {value} needs width 4");
                }
                out.extend_from_slice(&value.to_le_bytes()[..width as usize]);
            }
        }
        out
    }
}

/// Turns ranges into (start, value) boundaries: a range's start, and a 0 where a gap follows.
/// Neighbours with equal values merge.
fn boundaries(ranges: &mut [(u64, u64, u32)], max: u64) -> Vec<(u64, u32)> {
    ranges.sort_unstable();
    let mut raw: Vec<(u64, u32)> = Vec::new();
    let mut set = |start: u64, value: u32| match raw.last_mut() {
        Some(last) if last.0 == start => last.1 = value,
        _ => raw.push((start, value)),
    };
    for (i, &(start, end, value)) in ranges.iter().enumerate() {
        set(start, value);
        let next = ranges.get(i + 1).map(|r| r.0);
        if end < max && next.is_none_or(|n| n > end + 1) {
            set(end + 1, 0);
        }
    }
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(raw.len());
    for (start, value) in raw {
        if out.last().map_or(0, |l| l.1) != value {
            out.push((start, value));
        }
    }
    out
}

/// A table read in place.
#[derive(Debug, Clone, Copy)]
pub struct RangeTable<'a> {
    width: usize,
    labels: &'a [u8],
    label_offsets_end: usize,
    n4: usize,
    n6: usize,
    body: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl<'a> RangeTable<'a> {
    /// Checks the header and that every section fits; says what is wrong otherwise.
    pub fn parse(bytes: &'a [u8]) -> Result<RangeTable<'a>, &'static str> {
        if bytes.get(..8) != Some(&MAGIC[..]) {
            return Err("not a range table (bad magic)");
        }
        let width = *bytes.get(8).ok_or("truncated header")? as usize;
        if width != 2 && width != 4 {
            return Err("bad value width");
        }
        let n_labels = u32_at(bytes, 12).ok_or("truncated header")? as usize;
        let mut at = 16;
        for _ in 0..n_labels {
            let len = bytes.get(at..at + 2).ok_or("truncated labels")?;
            at += 2 + u16::from_le_bytes([len[0], len[1]]) as usize;
            if at > bytes.len() {
                return Err("truncated labels");
            }
        }
        let n4 = u32_at(bytes, at).ok_or("truncated counts")? as usize;
        let n6 = u32_at(bytes, at + 4).ok_or("truncated counts")? as usize;
        let body = &bytes[at + 8..];
        if body.len() != n4 * (4 + width) + n6 * (8 + width) {
            return Err("body length does not match the counts");
        }
        let t = RangeTable {
            width,
            labels: &bytes[16..at],
            label_offsets_end: at - 16,
            n4,
            n6,
            body,
        };
        if !t.labels_are_utf8() {
            return Err("a label is not UTF-8");
        }
        Ok(t)
    }

    fn labels_are_utf8(&self) -> bool {
        self.label_iter().all(|l| l.is_some())
    }

    fn label_iter(&self) -> impl Iterator<Item = Option<&'a str>> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            if at >= self.label_offsets_end {
                return None;
            }
            let len = u16::from_le_bytes([self.labels[at], self.labels[at + 1]]) as usize;
            let s = std::str::from_utf8(&self.labels[at + 2..at + 2 + len]).ok();
            at += 2 + len;
            Some(s)
        })
    }

    /// The label a value stands for (values number labels from 1).
    pub fn label(&self, value: u32) -> Option<&'a str> {
        self.label_iter().nth((value as usize).checked_sub(1)?)?
    }

    /// Every label, in value order.
    pub fn labels(&self) -> Vec<&'a str> {
        self.label_iter().map(|l| l.unwrap_or("")).collect()
    }

    pub fn ranges(&self) -> (usize, usize) {
        (self.n4, self.n6)
    }

    fn value(&self, section: usize, i: usize) -> u32 {
        let at = section + i * self.width;
        let b = &self.body[at..at + self.width];
        match self.width {
            2 => u16::from_le_bytes([b[0], b[1]]) as u32,
            _ => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        }
    }

    /// The value of the range holding an IPv4 address, 0 if none does.
    pub fn get_v4(&self, ip: u32) -> u32 {
        let key = |i: usize| u32_at(self.body, i * 4).unwrap_or(u32::MAX);
        let n = partition_point(self.n4, |i| key(i) <= ip);
        match n {
            0 => 0,
            n => self.value(self.n4 * 4, n - 1),
        }
    }

    /// The value of the range holding an IPv6 address, 0 if none does.
    pub fn get_v6(&self, ip: u128) -> u32 {
        let ip = (ip >> 64) as u64;
        let v6 = self.n4 * (4 + self.width);
        let key = |i: usize| {
            let at = v6 + i * 8;
            u64::from_le_bytes(self.body[at..at + 8].try_into().unwrap_or([0xff; 8]))
        };
        let n = partition_point(self.n6, |i| key(i) <= ip);
        match n {
            0 => 0,
            n => self.value(v6 + self.n6 * 8, n - 1),
        }
    }
}

/// The first index in `0..n` for which `pred` is false (`pred` true on a prefix).
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}
