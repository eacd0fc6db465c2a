//! A resumable scanner that splits decoded output into visible runs and escape sequences.
//!
//! Only what is needed to skip escapes while matching: ESC-introduced sequences (CSI, OSC,
//! DCS/SOS/PM/APC strings, two-byte and intermediate forms). C0 controls outside a sequence
//! (`\r`, `\n`, `\t`, BEL, BS) count as visible text: they are never masked, and no detector
//! matches across them except the PEM body. Sequences end on ASCII bytes only, so every run
//! boundary is a UTF-8 character boundary.

use memchr::{memchr, memchr3};

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;

/// Where the scanner is between two bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Scanner {
    #[default]
    Ground,
    Escape,
    Intermediate,
    Csi,
    /// OSC (`bel` = BEL terminates too) or DCS/SOS/PM/APC, up to ST.
    Str {
        bel: bool,
    },
    /// ESC seen inside a string: `\` ends it, anything else starts a new sequence.
    StrEscape {
        bel: bool,
    },
}

/// Appends the visible runs of `raw` (as `(start, end)` byte ranges) to `runs`, starting in
/// state `st`; returns the state after the last byte. The payloads of the OSC/DCS/SOS/PM/APC
/// strings that start and end (BEL or ST) inside `raw` go to `payloads`.
pub(super) fn visible_runs(
    raw: &[u8],
    mut st: Scanner,
    runs: &mut Vec<(usize, usize)>,
    payloads: &mut Vec<(usize, usize)>,
) -> Scanner {
    let n = raw.len();
    let mut i = 0;
    let mut payload: Option<usize> = None;
    let mut st_at = 0;
    while i < n {
        match st {
            Scanner::Ground => {
                let j = memchr(ESC, &raw[i..]).map_or(n, |k| i + k);
                if j > i {
                    runs.push((i, j));
                }
                if j < n {
                    st = Scanner::Escape;
                }
                i = (j + 1).min(n);
            }
            Scanner::Str { bel } => match memchr3(BEL, ESC, CAN, &raw[i..]) {
                None => i = n,
                Some(k) => {
                    let b = raw[i + k];
                    st_at = i + k;
                    i += k + 1;
                    st = match b {
                        ESC => Scanner::StrEscape { bel },
                        BEL if !bel => st,
                        BEL => {
                            payloads.extend(payload.take().map(|p| (p, st_at)));
                            Scanner::Ground
                        }
                        _ => {
                            payload = None;
                            Scanner::Ground
                        }
                    };
                }
            },
            Scanner::StrEscape { .. } => {
                if raw[i] == b'\\' {
                    payloads.extend(payload.take().map(|p| (p, st_at)));
                    i += 1;
                    st = Scanner::Ground;
                } else {
                    payload = None;
                    st = Scanner::Escape;
                }
            }
            Scanner::Csi => {
                // Parameters and intermediates run to the final byte: skip them in one go.
                let k = raw[i..].iter().position(|&b| !(0x20..=0x3f).contains(&b)).unwrap_or(n - i);
                i += k;
                if i < n {
                    st = step(st, raw[i]);
                    i += 1;
                }
            }
            Scanner::Escape | Scanner::Intermediate => {
                st = step(st, raw[i]);
                i += 1;
                if matches!(st, Scanner::Str { .. }) {
                    payload = Some(i);
                }
            }
        }
    }
    st
}

fn step(st: Scanner, b: u8) -> Scanner {
    match b {
        ESC => return Scanner::Escape,
        CAN | SUB => return Scanner::Ground,
        // Other C0 controls execute inside a sequence without ending it; non-ASCII bytes are
        // swallowed so a sequence never ends inside a character.
        0x00..=0x1f | 0x7f..=0xff => return st,
        _ => {}
    }
    match st {
        Scanner::Escape => match b {
            b'[' => Scanner::Csi,
            b']' => Scanner::Str { bel: true },
            b'P' | b'X' | b'^' | b'_' => Scanner::Str { bel: false },
            0x20..=0x2f => Scanner::Intermediate,
            _ => Scanner::Ground,
        },
        Scanner::Intermediate => match b {
            0x20..=0x2f => Scanner::Intermediate,
            _ => Scanner::Ground,
        },
        Scanner::Csi => match b {
            0x40..=0x7e => Scanner::Ground,
            _ => Scanner::Csi,
        },
        other => other,
    }
}
