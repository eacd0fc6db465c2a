//! Number parsing. Counts and sizes keep JavaScript `parseInt(value, 10)` semantics,
//! which the contract inherits: leading whitespace and sign, then digits up to the first
//! other character (`10.5` → 10, `12px` → 12, `abc` → NaN). Durations do not: a bare
//! number is milliseconds, and units (`500ms`, `2s`, `1.5s`, `2m`, `1h`) are read as
//! such instead of being cut off at the first letter.

/// `parseInt(s, 10)`; `None` is NaN.
pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let value = digits[..end].parse::<i64>().unwrap_or(i64::MAX);
    Some(if negative { -value } else { value })
}

/// How JavaScript would print the parsed value in a message (`NaN` for none).
pub fn js_display(value: Option<i64>) -> String {
    value.map_or_else(|| "NaN".to_string(), |v| v.to_string())
}

/// The JSON form of the parsed value (`null` for NaN).
pub fn js_json(value: Option<i64>) -> serde_json::Value {
    value.map_or(serde_json::Value::Null, serde_json::Value::from)
}

pub use agent_tty_core::duration::{DURATION_FORMS, DurationError, parse_duration_ms};

/// What a zero means for a flag.
#[derive(Debug, Clone, Copy)]
pub enum Zero {
    /// Zero is rejected: the flag needs a positive duration.
    Rejected,
    /// Zero is accepted, with nothing to say about it.
    Allowed,
    /// Zero is accepted and means what the text says (e.g. "0 waits forever").
    Means(&'static str),
}

/// Validates the value of a duration flag; on failure, a message naming the flag, the
/// value and the accepted forms.
pub fn duration_flag(flag: &str, raw: &str, zero: Zero) -> Result<u64, String> {
    let zero_note = match zero {
        Zero::Rejected | Zero::Allowed => String::new(),
        Zero::Means(meaning) => format!(" ({meaning})"),
    };
    let problem = match parse_duration_ms(raw) {
        Ok(0) if matches!(zero, Zero::Rejected) => "it must be more than 0; ",
        Ok(ms) => return Ok(ms),
        Err(DurationError::Malformed) => "",
        Err(DurationError::BareFraction) => "a bare number is whole milliseconds; ",
        Err(DurationError::SubMillisecond) => "it is not a whole number of milliseconds; ",
        Err(DurationError::TooLarge) => "it is too large; ",
    };
    Err(format!("Invalid {flag} \"{raw}\": {problem}use {DURATION_FORMS}{zero_note}."))
}

/// The largest `run --max-output` (the reply must fit in one host message).
pub const MAX_RUN_OUTPUT: u64 = 256 * 1024;

/// Parses a byte size: a number of bytes, or with a unit `k`/`KiB` (1024) or
/// `m`/`MiB` (1024²), up to `max`. On failure, a message naming the flag, the value and
/// the accepted forms.
pub fn byte_size_flag(flag: &str, raw: &str, max: u64) -> Result<u64, String> {
    let text = raw.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => Some(1),
        "k" | "kb" | "kib" => Some(1024),
        "m" | "mb" | "mib" => Some(1024 * 1024),
        _ => None,
    };
    let value = number.parse::<u64>().ok().zip(scale).and_then(|(n, scale)| n.checked_mul(scale));
    match value {
        Some(value) if value <= max => Ok(value),
        Some(_) => Err(format!("{flag} must be at most {max} bytes ({} KiB); got {raw:?}.", max / 1024)),
        None => Err(format!(
            "{flag} must be a size in bytes (65536) or with a unit such as 64k, 64KiB or 1m; got {raw:?}."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_parse_int() {
        assert_eq!(parse_int("10.5"), Some(10));
        assert_eq!(parse_int("  42px"), Some(42));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(js_display(None), "NaN");
    }

    #[test]
    fn byte_sizes_take_units_and_a_maximum() {
        assert_eq!(byte_size_flag("--max-output", "0", 100), Ok(0));
        assert_eq!(byte_size_flag("--max-output", "64k", 1 << 20), Ok(65_536));
        assert_eq!(byte_size_flag("--max-output", "1MiB", 1 << 20), Ok(1 << 20));
        assert!(byte_size_flag("--max-output", "2m", 1 << 20).unwrap_err().contains("at most"));
        for bad in ["", "-1", "1.5k", "12 apples", "k"] {
            assert!(byte_size_flag("--max-output", bad, 1 << 20).unwrap_err().contains("unit"), "{bad}");
        }
    }

    #[test]
    fn duration_flag_messages_name_the_accepted_forms() {
        assert_eq!(duration_flag("--timeout", "2s", Zero::Rejected), Ok(2_000));
        assert_eq!(duration_flag("--timeout", "0", Zero::Means("0 waits forever")), Ok(0));
        assert_eq!(
            duration_flag("--timeout", "2sec", Zero::Rejected).unwrap_err(),
            "Invalid --timeout \"2sec\": use milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h."
        );
        assert_eq!(
            duration_flag("--timeout", "fast", Zero::Means("0 waits forever")).unwrap_err(),
            "Invalid --timeout \"fast\": use milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h \
             (0 waits forever)."
        );
        assert_eq!(
            duration_flag("--idle-ms", "0s", Zero::Rejected).unwrap_err(),
            "Invalid --idle-ms \"0s\": it must be more than 0; use milliseconds (500) or a duration such as 500ms, \
             2s, 1.5s, 2m, 1h."
        );
        let fraction = duration_flag("--idle-ms", "1.5", Zero::Rejected).unwrap_err();
        assert!(fraction.contains("a bare number is whole milliseconds"), "{fraction}");
        let large = duration_flag("--idle-ms", "1e99", Zero::Rejected).unwrap_err();
        assert!(large.starts_with("Invalid --idle-ms \"1e99\": use"), "{large}");
        let large = duration_flag("--idle-ms", "99999999999999999999", Zero::Rejected).unwrap_err();
        assert!(large.contains("too large"), "{large}");
    }
}
