//! Lenient number parsing with JavaScript `parseInt(value, 10)` semantics, which the
//! contract inherits: leading whitespace and sign, then digits up to the first other
//! character (`10.5` → 10, `12px` → 12, `abc` → NaN).

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
}
