//! Durations as the CLI's duration flags, `batch` steps and `gc --older-than` take them:
//! a bare number of milliseconds (`500`) or numbers with units (`500ms`, `2s`, `1.5s`,
//! `2m`, `1h`, `7d`, `1m30s`).

/// What every duration flag accepts, for messages and help.
pub const DURATION_FORMS: &str = "milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h";

/// The largest duration accepted, in ms: JavaScript's largest exact integer, as for the
/// other numbers of the contract (about 285,000 years).
pub const MAX_DURATION_MS: u64 = (1 << 53) - 1;

/// Why a duration was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not a bare number of milliseconds nor a duration with units.
    Malformed,
    /// A bare number with a fraction (`1.5`): milliseconds must be whole.
    BareFraction,
    /// A duration that is not a whole number of milliseconds (`1.5ms`).
    SubMillisecond,
    /// More than [`MAX_DURATION_MS`].
    TooLarge,
}

/// Parses a duration into milliseconds. Surrounding whitespace is ignored. A bare
/// number of digits is milliseconds (`500`); otherwise one or more `<number><unit>`
/// parts, units `ms`, `s`, `m`, `h` and `d` each at most once and from largest to
/// smallest (`2s`, `1.5s`, `2m`, `1h`, `1m30s`, `1h30m`); only the last part may have
/// a fraction, and the total must be whole milliseconds. No signs, no spaces inside.
pub fn parse_duration_ms(raw: &str) -> Result<u64, DurationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DurationError::Malformed);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u64>().ok().filter(|&ms| ms <= MAX_DURATION_MS).ok_or(DurationError::TooLarge);
    }
    if is_decimal(s) {
        return Err(DurationError::BareFraction);
    }
    let mut rest = s;
    let mut total: u128 = 0;
    let mut previous_unit = u128::MAX;
    while !rest.is_empty() {
        let int_len = rest.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
        if int_len == 0 {
            return Err(DurationError::Malformed);
        }
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(tail) => {
                let len = tail.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(tail.len());
                if len == 0 {
                    return Err(DurationError::Malformed);
                }
                tail.split_at(len)
            }
            None => ("", after),
        };
        let unit_len = after.bytes().position(|b| !b.is_ascii_alphabetic()).unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit_ms: u128 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(DurationError::Malformed),
        };
        if unit_ms >= previous_unit || (!frac_part.is_empty() && !after.is_empty()) {
            return Err(DurationError::Malformed);
        }
        previous_unit = unit_ms;
        // 20 integer digits already exceed the maximum; more fraction digits than a
        // millisecond can resolve are only accepted as zeros.
        if int_part.len() > 20 {
            return Err(DurationError::TooLarge);
        }
        let int: u128 = int_part.parse().map_err(|_| DurationError::TooLarge)?;
        total += int * unit_ms;
        let significant = frac_part.trim_end_matches('0');
        if !significant.is_empty() {
            if significant.len() > 8 {
                return Err(DurationError::SubMillisecond);
            }
            let scale = 10u128.pow(significant.len() as u32);
            let frac: u128 = significant.parse().map_err(|_| DurationError::Malformed)?;
            let scaled = frac * unit_ms;
            if !scaled.is_multiple_of(scale) {
                return Err(DurationError::SubMillisecond);
            }
            total += scaled / scale;
        }
        if total > u128::from(MAX_DURATION_MS) {
            return Err(DurationError::TooLarge);
        }
        rest = after;
    }
    u64::try_from(total).map_err(|_| DurationError::TooLarge)
}

/// `digits.digits`.
fn is_decimal(s: &str) -> bool {
    s.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_accepted_form() {
        let cases = [
            ("0", 0),
            ("500", 500),
            ("007", 7),
            (" 2000 ", 2000),
            ("500ms", 500),
            ("0ms", 0),
            ("0s", 0),
            ("2s", 2_000),
            ("1.5s", 1_500),
            ("0.25s", 250),
            ("1.0ms", 1),
            ("2m", 120_000),
            ("1.5m", 90_000),
            ("1h", 3_600_000),
            ("1d", 86_400_000),
            ("1m30s", 90_000),
            ("1h30m", 5_400_000),
            ("1h2m3s4ms", 3_723_004),
            ("1m0.5s", 60_500),
            ("9007199254740991", MAX_DURATION_MS),
            ("9007199254740991ms", MAX_DURATION_MS),
        ];
        for (raw, ms) in cases {
            assert_eq!(parse_duration_ms(raw), Ok(ms), "{raw:?}");
        }
    }

    #[test]
    fn durations_rejected_with_a_reason() {
        use DurationError::*;
        let cases = [
            ("", Malformed),
            ("   ", Malformed),
            ("2sec", Malformed),
            ("fast", Malformed),
            ("-1s", Malformed),
            ("-5", Malformed),
            ("+5", Malformed),
            ("12px", Malformed),
            ("2 s", Malformed),
            ("1m 30s", Malformed),
            ("2S", Malformed),
            ("s", Malformed),
            (".5s", Malformed),
            ("5.s", Malformed),
            ("1e3", Malformed),
            ("30s1m", Malformed),
            ("1s1s", Malformed),
            ("1.5m30s", Malformed),
            ("1h30", Malformed),
            ("1..5s", Malformed),
            ("1.5", BareFraction),
            ("0.5", BareFraction),
            ("1.5ms", SubMillisecond),
            ("0.0001s", SubMillisecond),
            ("9007199254740992", TooLarge),
            ("99999999999999999999999", TooLarge),
            ("9007199254740992ms", TooLarge),
            ("999999999999999999999999h", TooLarge),
            ("2501999792984h", TooLarge),
        ];
        for (raw, error) in cases {
            assert_eq!(parse_duration_ms(raw), Err(error), "{raw:?}");
        }
    }
}
