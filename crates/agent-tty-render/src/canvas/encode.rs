//! A small PNG encoder specialised for terminal screenshots.
//!
//! Screenshots are flat colour with exact repeats (the same glyph slice recurs along a
//! pixel row, runs of background, rows identical to the row above). The png crate's
//! `Compression::Fast` (fdeflate) only run-length encodes zero bytes, so it misses
//! those repeats (~250 KB for an 80×24 screen), and its zlib levels (miniz) are slow
//! (~60 ms for 200×50). This writes the file directly:
//!
//! * indexed colour (1, 2, 4 or 8 bits) when the image has at most 256 colours,
//!   RGB8 otherwise; every scanline uses filter type 0 (None), which keeps glyph
//!   repeats byte-identical for the matcher (it measured smallest for text with both
//!   miniz and this encoder);
//! * a zlib stream from an LZ77 matcher (hash chains of bounded depth, the "pixel to
//!   the left" and "pixel above" distances tried first, one step of lazy matching)
//!   and dynamic Huffman blocks.

/// Encodes `rgb` (row-major RGB8, `width * height * 3` bytes, both dimensions
/// nonzero) as a PNG.
pub(super) fn encode(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    debug_assert_eq!(rgb.len(), w * h * 3);
    let (color_type, depth, palette, raw, bpp) = match palette_of(rgb) {
        Some((palette, indices)) => {
            let colors = palette.len() / 3;
            let depth = match colors {
                0..=2 => 1,
                3..=4 => 2,
                5..=16 => 4,
                _ => 8,
            };
            (3u8, depth as u8, palette, scanlines_indexed(&indices, w, h, depth), 1)
        }
        None => (2u8, 8u8, Vec::new(), scanlines_rgb(rgb, w, h), 3),
    };
    let stride = raw.len() / h.max(1);
    let mut zlib = Vec::with_capacity(raw.len() / 8 + 64);
    zlib.extend_from_slice(&[0x78, 0x01]);
    deflate(&raw, bpp, stride, &mut zlib);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut out = Vec::with_capacity(zlib.len() + palette.len() + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, color_type, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    if !palette.is_empty() {
        chunk(&mut out, b"PLTE", &palette);
    }
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The palette (RGB triples, first-use order) and per-pixel indices, or `None` when
/// the image has more than 256 colours.
fn palette_of(rgb: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    const SLOTS: usize = 1024;
    const EMPTY: u32 = u32::MAX;
    let mut keys = [EMPTY; SLOTS];
    let mut values = [0u8; SLOTS];
    let mut palette = Vec::with_capacity(256 * 3);
    let mut indices = Vec::with_capacity(rgb.len() / 3);
    let (mut last_key, mut last_index) = (EMPTY, 0u8);
    for px in rgb.chunks_exact(3) {
        let key = u32::from(px[0]) << 16 | u32::from(px[1]) << 8 | u32::from(px[2]);
        if key != last_key {
            let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 22) as usize;
            loop {
                if keys[slot] == key {
                    break;
                }
                if keys[slot] == EMPTY {
                    let count = palette.len() / 3;
                    if count == 256 {
                        return None;
                    }
                    keys[slot] = key;
                    values[slot] = count as u8;
                    palette.extend_from_slice(px);
                    break;
                }
                slot = (slot + 1) % SLOTS;
            }
            (last_key, last_index) = (key, values[slot]);
        }
        indices.push(last_index);
    }
    Some((palette, indices))
}

fn scanlines_rgb(rgb: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut raw = Vec::with_capacity((w * 3 + 1) * h);
    for row in rgb.chunks_exact(w * 3).take(h) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    raw
}

fn scanlines_indexed(indices: &[u8], w: usize, h: usize, depth: usize) -> Vec<u8> {
    let per_byte = 8 / depth;
    let row_bytes = w.div_ceil(per_byte);
    let mut raw = Vec::with_capacity((row_bytes + 1) * h);
    for row in indices.chunks_exact(w).take(h) {
        raw.push(0);
        if depth == 8 {
            raw.extend_from_slice(row);
            continue;
        }
        for group in row.chunks(per_byte) {
            let mut byte = 0u8;
            for (k, &index) in group.iter().enumerate() {
                byte |= index << (8 - depth * (k + 1));
            }
            raw.push(byte);
        }
    }
    raw
}

/// CRC-32 tables for slicing by 4: `CRC[k][b]` is the CRC of byte `b` followed by
/// `k` zero bytes.
const CRC: [[u32; 256]; 4] = {
    let mut t = [[0u32; 256]; 4];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[0][n] = c;
        n += 1;
    }
    let mut n = 0;
    while n < 256 {
        let mut k = 1;
        while k < 4 {
            let prev = t[k - 1][n];
            t[k][n] = t[0][(prev & 0xFF) as usize] ^ (prev >> 8);
            k += 1;
        }
        n += 1;
    }
    t
};

fn crc32(data: &[u8]) -> u32 {
    let mut c = u32::MAX;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let x = c ^ u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        c = CRC[3][(x & 0xFF) as usize]
            ^ CRC[2][((x >> 8) & 0xFF) as usize]
            ^ CRC[1][((x >> 16) & 0xFF) as usize]
            ^ CRC[0][(x >> 24) as usize];
    }
    for &b in words.remainder() {
        c = CRC[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

fn adler32(data: &[u8]) -> u32 {
    // 5552 bytes is the most that cannot overflow `b` before the modulo.
    let (mut a, mut b) = (1u32, 0u32);
    for block in data.chunks(5552) {
        for &x in block {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    b << 16 | a
}

// ---- deflate -------------------------------------------------------------------

const WINDOW: usize = 32768;
const HASH_BITS: u32 = 15;
const MIN_MATCH: usize = 4;
const MAX_MATCH: usize = 258;
const MAX_CHAIN: usize = 8;
const LAZY_BELOW: usize = 16;
const NONE: u32 = u32::MAX;
const BLOCK_TOKENS: usize = 1 << 17;
const MATCH_FLAG: u32 = 1 << 31;

fn load32(d: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]])
}

fn load64(d: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[i..i + 8]);
    u64::from_le_bytes(b)
}

fn hash(d: &[u8], i: usize) -> usize {
    (load32(d, i).wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Length of the common prefix of `d[a..]` and `d[b..]`, at most `max`.
fn common(d: &[u8], a: usize, b: usize, max: usize) -> usize {
    let mut n = 0;
    while n + 8 <= max {
        let x = load64(d, a + n) ^ load64(d, b + n);
        if x != 0 {
            return n + (x.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && d[a + n] == d[b + n] {
        n += 1;
    }
    n
}

struct Matcher {
    head: Vec<u32>,
    prev: Vec<u32>,
}

impl Matcher {
    fn insert(&mut self, d: &[u8], i: usize) {
        let h = hash(d, i);
        self.prev[i % WINDOW] = self.head[h];
        self.head[h] = i as u32;
    }

    /// The longest match `(length, distance)` for position `p`: the `specials`
    /// distances, then up to [`MAX_CHAIN`] earlier positions with the same hash.
    /// Every candidate is verified byte by byte.
    fn find(&self, data: &[u8], p: usize, specials: &[usize]) -> (usize, usize) {
        let max = MAX_MATCH.min(data.len() - p);
        let (mut best, mut dist) = (0, 0);
        for &d in specials {
            if d <= p && d <= WINDOW {
                let len = common(data, p - d, p, max);
                if len > best {
                    (best, dist) = (len, d);
                }
            }
        }
        if best < max {
            let mut cand = self.head[hash(data, p)];
            let mut chain = MAX_CHAIN;
            while cand != NONE && chain > 0 {
                let c = cand as usize;
                if c >= p || p - c > WINDOW {
                    break;
                }
                if data[c + best] == data[p + best] {
                    let len = common(data, c, p, max);
                    if len > best {
                        (best, dist) = (len, p - c);
                        if len == max {
                            break;
                        }
                    }
                }
                cand = self.prev[c % WINDOW];
                chain -= 1;
            }
        }
        (best, dist)
    }
}

/// Appends the raw deflate stream for `data` to `out`.
fn deflate(data: &[u8], bpp: usize, stride: usize, out: &mut Vec<u8>) {
    let n = data.len();
    let mut m = Matcher { head: vec![NONE; 1 << HASH_BITS], prev: vec![NONE; WINDOW] };
    let mut bits = BitWriter { out, acc: 0, n: 0 };
    let mut tokens: Vec<u32> = Vec::with_capacity(BLOCK_TOKENS.min(n / 4 + 16));
    // Tried before the hash chain: the pixel to the left and the pixel above.
    let specials = [bpp, stride];
    let mut p = 0;
    let mut pending: Option<(usize, usize)> = None;
    while p < n {
        if tokens.len() >= BLOCK_TOKENS {
            write_block(&mut bits, &tokens, false);
            tokens.clear();
        }
        if p + MIN_MATCH > n {
            tokens.push(u32::from(data[p]));
            p += 1;
            continue;
        }
        let (best, dist) = match pending.take() {
            Some(found) => found,
            None => m.find(data, p, &specials),
        };
        m.insert(data, p);
        // One step of lazy matching: a short match loses to a longer one a byte later.
        if (MIN_MATCH..LAZY_BELOW).contains(&best) && p + 1 + MIN_MATCH <= n {
            let next = m.find(data, p + 1, &specials);
            if next.0 > best {
                tokens.push(u32::from(data[p]));
                p += 1;
                pending = Some(next);
                continue;
            }
        }
        if best >= MIN_MATCH {
            tokens.push(MATCH_FLAG | (best as u32) << 16 | (dist - 1) as u32);
            let end = (p + best).min(n - MIN_MATCH + 1);
            // Inside a long run of one colour, or a long copy of the row above, only
            // the tail is worth indexing: the "pixel to the left" / "pixel above"
            // candidates find those without the hash chains (measured: ~10% faster,
            // same size).
            let from = if (dist == bpp || dist == stride) && best > 32 {
                end.saturating_sub(16).max(p + 1)
            } else {
                p + 1
            };
            for i in from..end {
                m.insert(data, i);
            }
            p += best;
        } else {
            tokens.push(u32::from(data[p]));
            p += 1;
        }
    }
    write_block(&mut bits, &tokens, true);
    bits.flush();
}

struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter<'_> {
    /// Writes the low `count` (≤ 32) bits of `value`, least significant first.
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    fn flush(&mut self) {
        while self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
    }
}

/// Base match length and extra bits of each length code (symbols 257..=285 as 0..=28),
/// then the same for the 30 distance codes (RFC 1951 §3.2.5).
const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
    227, 258,
];
const LEN_EXTRA: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
    4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/// Length code index (0..29) for each match length 0..=258.
const LEN_CODE: [u8; 259] = {
    let mut t = [0u8; 259];
    let mut code = 0;
    let mut len = 3;
    while len <= 258 {
        while code + 1 < 29 && LEN_BASE[code + 1] as usize <= len {
            code += 1;
        }
        t[len] = code as u8;
        len += 1;
    }
    t
};

/// Distance code index for `dist - 1` below 256, then for `(dist - 1) >> 7` (zlib's split).
const DIST_CODE: [u8; 512] = {
    let mut t = [0u8; 512];
    let mut code = 0;
    let mut d = 0;
    while d < 256 {
        while code + 1 < 30 && DIST_BASE[code + 1] as usize <= d + 1 {
            code += 1;
        }
        t[d] = code as u8;
        d += 1;
    }
    let mut k = 2;
    while k < 256 {
        let dist = (k << 7) + 1;
        while code + 1 < 30 && DIST_BASE[code + 1] as usize <= dist {
            code += 1;
        }
        t[256 + k] = code as u8;
        k += 1;
    }
    t
};

fn dist_code(dist_minus_one: usize) -> usize {
    if dist_minus_one < 256 {
        DIST_CODE[dist_minus_one] as usize
    } else {
        DIST_CODE[256 + (dist_minus_one >> 7)] as usize
    }
}

fn write_block(bits: &mut BitWriter<'_>, tokens: &[u32], last: bool) {
    let mut lit_freq = [0u32; 286];
    let mut dist_freq = [0u32; 30];
    for &t in tokens {
        if t & MATCH_FLAG != 0 {
            let len = ((t >> 16) & 0x1FF) as usize;
            lit_freq[257 + LEN_CODE[len] as usize] += 1;
            dist_freq[dist_code((t & 0xFFFF) as usize)] += 1;
        } else {
            lit_freq[t as usize] += 1;
        }
    }
    lit_freq[256] = 1;
    let lit_len = code_lengths(&lit_freq, 15);
    let dist_len = code_lengths(&dist_freq, 15);
    let lit_codes = canonical(&lit_len);
    let dist_codes = canonical(&dist_len);

    let hlit = 257.max(lit_len.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1));
    let hdist = 1.max(dist_len.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1));
    let mut all = Vec::with_capacity(hlit + hdist);
    all.extend_from_slice(&lit_len[..hlit]);
    all.extend_from_slice(&dist_len[..hdist]);
    // Run-length encode the code lengths: (symbol, extra value, extra bits).
    let mut rle: Vec<(u8, u8, u8)> = Vec::with_capacity(all.len());
    let mut i = 0;
    while i < all.len() {
        let len = all[i];
        let run = all[i..].iter().take_while(|&&l| l == len).count();
        if len == 0 && run >= 11 {
            let r = run.min(138);
            rle.push((18, (r - 11) as u8, 7));
            i += r;
        } else if len == 0 && run >= 3 {
            rle.push((17, (run - 3) as u8, 3));
            i += run;
        } else if len != 0 && run >= 4 {
            rle.push((len, 0, 0));
            let r = (run - 1).min(6);
            rle.push((16, (r - 3) as u8, 2));
            i += 1 + r;
        } else {
            rle.push((len, 0, 0));
            i += 1;
        }
    }
    let mut cl_freq = [0u32; 19];
    for &(sym, _, _) in &rle {
        cl_freq[sym as usize] += 1;
    }
    let cl_len = code_lengths(&cl_freq, 7);
    let cl_codes = canonical(&cl_len);
    const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
    let hclen = 4.max(ORDER.iter().rposition(|&s| cl_len[s] != 0).map_or(0, |i| i + 1));

    bits.put(u32::from(last), 1);
    bits.put(2, 2);
    bits.put((hlit - 257) as u32, 5);
    bits.put((hdist - 1) as u32, 5);
    bits.put((hclen - 4) as u32, 4);
    for &s in &ORDER[..hclen] {
        bits.put(u32::from(cl_len[s]), 3);
    }
    for &(sym, extra, extra_bits) in &rle {
        bits.put(u32::from(cl_codes[sym as usize]), u32::from(cl_len[sym as usize]));
        if extra_bits > 0 {
            bits.put(u32::from(extra), u32::from(extra_bits));
        }
    }
    for &t in tokens {
        if t & MATCH_FLAG != 0 {
            let len = ((t >> 16) & 0x1FF) as usize;
            let lc = LEN_CODE[len] as usize;
            let sym = 257 + lc;
            // Code then extra bits, each pair in one write (≤ 20 and ≤ 28 bits).
            let code_bits = u32::from(lit_len[sym]);
            let extra = (len - LEN_BASE[lc] as usize) as u32;
            bits.put(u32::from(lit_codes[sym]) | extra << code_bits, code_bits + u32::from(LEN_EXTRA[lc]));
            let d = (t & 0xFFFF) as usize;
            let dc = dist_code(d);
            let code_bits = u32::from(dist_len[dc]);
            let extra = (d + 1 - DIST_BASE[dc] as usize) as u32;
            bits.put(u32::from(dist_codes[dc]) | extra << code_bits, code_bits + u32::from(DIST_EXTRA[dc]));
        } else {
            let s = t as usize;
            bits.put(u32::from(lit_codes[s]), u32::from(lit_len[s]));
        }
    }
    bits.put(u32::from(lit_codes[256]), u32::from(lit_len[256]));
}

/// Huffman code lengths (at most `limit` bits) for `freq`; every tree gets at least
/// two codes so that it is complete.
fn code_lengths<const N: usize>(freq: &[u32; N], limit: u8) -> [u8; N] {
    let mut f = *freq;
    let used = f.iter().filter(|&&x| x > 0).count();
    for slot in f.iter_mut().filter(|x| **x == 0).take(2usize.saturating_sub(used)) {
        *slot = 1;
    }
    loop {
        let lengths = huffman(&f);
        if lengths.iter().all(|&l| l <= limit) {
            return lengths;
        }
        for x in f.iter_mut().filter(|x| **x > 0) {
            *x = (*x >> 1) | 1;
        }
    }
}

/// Unlimited Huffman code lengths for the nonzero entries of `freq`.
fn huffman<const N: usize>(freq: &[u32; N]) -> [u8; N] {
    // Nodes: leaves 0..leaves, internal nodes after; parent links give depths.
    let mut leaves: Vec<(u32, usize)> =
        freq.iter().enumerate().filter(|(_, f)| **f > 0).map(|(s, f)| (*f, s)).collect();
    leaves.sort_unstable();
    let count = leaves.len();
    let mut weight: Vec<u64> = leaves.iter().map(|&(f, _)| u64::from(f)).collect();
    let mut parent = vec![0usize; 2 * count];
    // Two-queue merge: leaves (sorted) and internal nodes (created in order).
    let (mut next_leaf, mut next_internal) = (0, count);
    let take = |weight: &Vec<u64>, next_leaf: &mut usize, next_internal: &mut usize| {
        let internal_ok = *next_internal < weight.len();
        if *next_leaf < count && (!internal_ok || weight[*next_leaf] <= weight[*next_internal]) {
            *next_leaf += 1;
            *next_leaf - 1
        } else {
            *next_internal += 1;
            *next_internal - 1
        }
    };
    for _ in 0..count - 1 {
        let a = take(&weight, &mut next_leaf, &mut next_internal);
        let b = take(&weight, &mut next_leaf, &mut next_internal);
        let node = weight.len();
        weight.push(weight[a] + weight[b]);
        parent[a] = node;
        parent[b] = node;
    }
    let root = weight.len() - 1;
    let mut depth = vec![0u8; weight.len()];
    for node in (0..root).rev() {
        depth[node] = depth[parent[node]] + 1;
    }
    let mut lengths = [0u8; N];
    for (i, &(_, s)) in leaves.iter().enumerate() {
        lengths[s] = depth[i];
    }
    lengths
}

/// Canonical codes for `lengths`, bit-reversed for LSB-first output.
fn canonical<const N: usize>(lengths: &[u8; N]) -> [u16; N] {
    let mut count = [0u16; 16];
    for &l in lengths {
        count[l as usize] += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for bits in 1..16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    let mut codes = [0u16; N];
    for (s, &l) in lengths.iter().enumerate() {
        if l > 0 {
            let c = next[l as usize];
            next[l as usize] += 1;
            codes[s] = c.reverse_bits() >> (16 - l);
        }
    }
    codes
}
