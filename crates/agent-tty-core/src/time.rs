//! Wall-clock timestamps in the contract's one format: `YYYY-MM-DDTHH:MM:SS.mmmZ`
//! (JavaScript `toISOString`), and the inverse for the few places that compute durations.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The current time as an ISO-8601 UTC string with milliseconds.
pub fn now_iso() -> String {
    format_iso(now_ms())
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_iso(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` back to milliseconds since the epoch.
pub fn parse_iso(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.ends_with('Z') || b[4] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = s.get(19..s.len() - 1)?;
    let ms = match frac.strip_prefix('.') {
        Some(f) if !f.is_empty() => {
            let digits: String = f.chars().chain("000".chars()).take(3).collect();
            digits.parse::<i64>().ok()?
        }
        _ if frac.is_empty() => 0,
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let total = ((days * 86_400 + h * 3600 + mi * 60 + sec) * 1000) + ms;
    u64::try_from(total).ok()
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A wall clock that never goes backwards: event-log timestamps must be non-decreasing.
#[derive(Debug, Default)]
pub struct MonotonicClock {
    last_ms: u64,
}

impl MonotonicClock {
    /// Now, clamped to the last value handed out.
    pub fn now_ms(&mut self) -> u64 {
        self.last_ms = self.last_ms.max(now_ms());
        self.last_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso(1_774_558_480_880), "2026-03-26T20:54:40.880Z");
        assert_eq!(format_iso(951_782_400_001), "2000-02-29T00:00:00.001Z");
    }

    #[test]
    fn parse_inverts_format() {
        for ms in [0, 1_774_558_480_880, 951_782_400_001, 4_102_444_799_999] {
            assert_eq!(parse_iso(&format_iso(ms)), Some(ms));
        }
        assert_eq!(parse_iso("2026-03-26T20:54:40Z"), Some(1_774_558_480_000));
        assert_eq!(parse_iso("garbage"), None);
    }

    #[test]
    fn monotonic_clock_never_goes_back() {
        let mut clock = MonotonicClock { last_ms: u64::MAX - 1 };
        assert_eq!(clock.now_ms(), u64::MAX - 1);
    }
}
