//! Identifiers of a waited run: the public marker, the private sentinel and
//! the postamble that makes the shell print the sentinel.
//!
//! Randomness comes from the operating system via `getrandom`; everything
//! else here is pure string building.

/// What every marker starts with.
const MARKER_PREFIX: &str = "__AT_MARKER_";
/// What every marker ends with.
const MARKER_SUFFIX: &str = "__";
/// How many random bytes a marker carries (a UUID).
const MARKER_BYTES: usize = 16;

/// The sentinel's frame: an APC string `ESC _ a t <token> ESC \`.
const SENTINEL_PREFIX: &str = "\x1b_at";
/// The string terminator closing the sentinel's APC frame.
const SENTINEL_SUFFIX: &str = "\x1b\\";
/// How many random bytes a sentinel token encodes.
const TOKEN_BYTES: usize = 4;

/// What every postamble, and so every echo of one, starts with.
pub const POSTAMBLE_PREFIX: &str = r"printf '\033\137";
/// The longest postamble allowed, so its echo stays short (the reference's 64, plus
/// room for the exit status: `;%d` and ` $status`).
pub const MAX_POSTAMBLE_LEN: usize = 72;

/// Lowercase hexadecimal digits.
const HEX: &[u8; 16] = b"0123456789abcdef";
/// The base64url alphabet (RFC 4648 §5).
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Creates a random marker: `__AT_MARKER_` + a v4 UUID as 32 lowercase hex
/// digits (no dashes) + `__`.
pub fn new_marker() -> String {
    let mut uuid: [u8; MARKER_BYTES] = random_bytes();
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    let mut marker = String::with_capacity(MARKER_PREFIX.len() + 2 * MARKER_BYTES + 2);
    marker.push_str(MARKER_PREFIX);
    for byte in uuid {
        marker.push(char::from(HEX[usize::from(byte >> 4)]));
        marker.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    marker.push_str(MARKER_SUFFIX);
    marker
}

/// Whether `text` is a marker: exactly `^__AT_MARKER_([0-9a-f]{32})__$`.
pub fn is_marker(text: &str) -> bool {
    text.strip_prefix(MARKER_PREFIX).and_then(|rest| rest.strip_suffix(MARKER_SUFFIX)).is_some_and(|hex| {
        hex.len() == 2 * MARKER_BYTES && hex.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Creates a random sentinel token: 4 random bytes as 6 base64url characters
/// (no padding).
pub fn new_sentinel_token() -> String {
    base64url(&random_bytes::<TOKEN_BYTES>())
}

/// Builds the sentinel for `token`: the APC string `ESC _ a t <token> ESC \`.
pub fn sentinel(token: &str) -> String {
    format!("{SENTINEL_PREFIX}{token}{SENTINEL_SUFFIX}")
}

/// Builds the postamble that prints `sentinel`: `printf '<escapes>'`, where
/// every byte of the sentinel is a backslash and 3 octal digits. It has no
/// trailing newline; whoever types it adds one.
pub fn postamble(sentinel: &str) -> String {
    let mut postamble = String::with_capacity(4 * sentinel.len() + 9);
    postamble.push_str("printf '");
    for byte in sentinel.bytes() {
        postamble.push('\\');
        for shift in [6, 3, 0] {
            postamble.push(char::from(b'0' + ((byte >> shift) & 0o7)));
        }
    }
    postamble.push('\'');
    postamble
}

/// Builds the postamble that prints `sentinel` with the exit status of the command
/// before it: `printf '<escapes>;%d<ST escapes>' <status>`, so the sentinel arrives as
/// `ESC _ at<token>;<status> ESC \`. `status` is the shell's variable for the last
/// status (see [`status_variable`]).
pub fn postamble_with_status(sentinel: &str, status: &str) -> String {
    let plain = postamble(sentinel);
    // The sentinel's terminator, ESC \, is the last 8 characters before the quote.
    let body = &plain[..plain.len() - 1];
    let (head, terminator) = body.split_at(body.len() - 8);
    format!("{head};%d{terminator}' {status}")
}

/// The shell variable that holds the last command's exit status, by the program's
/// name: `$status` in fish, csh and tcsh, `$?` in every other shell.
pub fn status_variable(program: &str) -> &'static str {
    let name = program.rsplit('/').next().unwrap_or(program).trim_start_matches('-');
    match name {
        "fish" | "csh" | "tcsh" => "$status",
        _ => "$?",
    }
}

/// Encodes `bytes` as unpadded base64url.
fn base64url(bytes: &[u8]) -> String {
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let value = group
            .iter()
            .enumerate()
            .fold(0u32, |value, (index, &byte)| value | u32::from(byte) << (16 - 8 * index));
        for index in 0..=group.len() {
            let sextet = (value >> (18 - 6 * index)) & 0x3f;
            encoded.push(char::from(BASE64URL[sextet as usize]));
        }
    }
    encoded
}

/// Fills an array from the operating system's random source.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the `\ooo` escapes of a postamble back into bytes, as
    /// `printf` does.
    fn printf_bytes(postamble: &str) -> Vec<u8> {
        let body = postamble.strip_prefix("printf '").and_then(|rest| rest.strip_suffix('\'')).unwrap();
        body.split('\\').skip(1).map(|octal| u8::from_str_radix(octal, 8).unwrap()).collect()
    }

    #[test]
    fn new_markers_are_markers_with_uuid_v4_bits() {
        for _ in 0..64 {
            let marker = new_marker();
            assert!(is_marker(&marker), "{marker}");
            let hex = &marker[MARKER_PREFIX.len()..];
            assert_eq!(&hex[12..13], "4", "{marker}");
            assert!(matches!(&hex[16..17], "8" | "9" | "a" | "b"), "{marker}");
        }
        assert_ne!(new_marker(), new_marker());
    }

    #[test]
    fn is_marker_accepts_only_the_exact_form() {
        assert!(is_marker("__AT_MARKER_13b03640d0b44390a1166c3142602c83__"));
        for text in [
            "",
            "__AT_MARKER___",
            "__AT_MARKER_13b03640d0b44390a1166c3142602c8__",
            "__AT_MARKER_13b03640d0b44390a1166c3142602c833__",
            "__AT_MARKER_13B03640D0B44390A1166C3142602C83__",
            "__AT_MARKER_13b03640-d0b4-4390-a116-6c3142602c__",
            "__AT_MARKER_13b03640d0b44390a1166c3142602c83_",
            "x__AT_MARKER_13b03640d0b44390a1166c3142602c83__",
            "__AT_MARKER_13b03640d0b44390a1166c3142602c83__\n",
            "__AT_MARKER_13b03640d0b44390a1166c3142602cé__",
        ] {
            assert!(!is_marker(text), "{text:?}");
        }
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"M"), "TQ");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf, 0x00]), "-_-_AA");
        assert_eq!(base64url(&[0xff; 4]), "_____w");
    }

    #[test]
    fn sentinel_tokens_are_six_base64url_characters() {
        for _ in 0..64 {
            let token = new_sentinel_token();
            assert_eq!(token.len(), 6, "{token}");
            assert!(token.bytes().all(|byte| BASE64URL.contains(&byte)), "{token}");
        }
    }

    #[test]
    fn sentinel_is_an_apc_frame() {
        assert_eq!(sentinel("AbC-_9"), "\x1b_atAbC-_9\x1b\\");
    }

    #[test]
    fn postamble_escapes_every_sentinel_byte_in_octal() {
        let sentinel = sentinel("AbC-_9");
        let postamble = postamble(&sentinel);
        assert!(postamble.starts_with(r"printf '\033\137\141\164\101\142"), "{postamble}");
        assert!(postamble.ends_with(r"\033\134'"), "{postamble}");
        assert_eq!(printf_bytes(&postamble), sentinel.as_bytes());
    }

    #[test]
    fn postamble_with_status_prints_the_status_inside_the_sentinel() {
        let sentinel = sentinel("AbC-_9");
        let postamble = postamble_with_status(&sentinel, "$?");
        assert!(postamble.starts_with(POSTAMBLE_PREFIX), "{postamble}");
        assert!(postamble.ends_with(r";%d\033\134' $?"), "{postamble}");
        assert!(
            postamble_with_status(&sentinel, status_variable("/usr/bin/fish")).len() <= MAX_POSTAMBLE_LEN
        );
        assert_eq!(status_variable("-bash"), "$?");
        assert_eq!(status_variable("tcsh"), "$status");
    }

    #[test]
    fn postamble_is_short_and_cannot_echo_the_marker_or_sentinel() {
        for _ in 0..64 {
            let marker = new_marker();
            let sentinel = sentinel(&new_sentinel_token());
            let postamble = postamble(&sentinel);
            assert_eq!(postamble.len(), 57);
            assert!(postamble.len() <= MAX_POSTAMBLE_LEN);
            assert!(postamble.starts_with(POSTAMBLE_PREFIX));
            assert!(postamble.bytes().all(|byte| byte.is_ascii_graphic() || byte == b' '));
            assert!(!postamble.contains(&marker));
            assert!(!postamble.contains(&marker[MARKER_PREFIX.len()..marker.len() - 2]));
            assert!(!postamble.contains(MARKER_PREFIX));
            assert!(!postamble.contains("agent-tty:run-complete:"));
            assert!(!postamble.contains(&sentinel));
        }
    }
}
