//! Unit tests for the key table: one test per table row and per error message.

use super::*;

fn ok(name: &str) -> Vec<u8> {
    match encode_key(name) {
        Ok(bytes) => bytes,
        Err(e) => panic!("{name:?} failed: {e}"),
    }
}

fn err(name: &str) -> String {
    match encode_key(name) {
        Ok(bytes) => panic!("{name:?} unexpectedly encoded to {bytes:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn spec_examples() {
    assert_eq!(ok("ctrl+c"), b"\x03");
    assert_eq!(ok("alt+x"), b"\x1bx");
    assert_eq!(ok("shift+Up"), b"\x1b[1;2A");
    assert_eq!(ok("ctrl+shift+Up"), b"\x1b[1;6A");
    assert_eq!(ok("alt+Up"), b"\x1b[1;3A");
    assert_eq!(ok("F5"), b"\x1b[15~");
    assert_eq!(err("ctrl+Enter"), "Unsupported modifier combination for enter: ctrl");
    assert_eq!(ok("Ctrl + C"), b"\x03");
    assert_eq!(ok("  ctrl+c  "), b"\x03");
}

#[test]
fn enter_row() {
    assert_eq!(ok("Enter"), b"\r");
    assert_eq!(ok("ENTER"), b"\r");
    assert_eq!(ok("alt+enter"), b"\x1b\r");
    assert_eq!(err("shift+enter"), "Unsupported modifier combination for enter: shift");
    assert_eq!(err("ctrl+alt+Enter"), "Unsupported modifier combination for enter: ctrl+alt");
    assert_eq!(err("shift+ctrl+Enter"), "Unsupported modifier combination for enter: ctrl+shift");
}

#[test]
fn tab_row() {
    assert_eq!(ok("Tab"), b"\t");
    assert_eq!(ok("shift+tab"), b"\x1b[Z");
    assert_eq!(ok("alt+Tab"), b"\x1b\t");
    assert_eq!(err("ctrl+tab"), "Unsupported modifier combination for tab: ctrl");
    assert_eq!(err("alt+shift+tab"), "Unsupported modifier combination for tab: alt+shift");
}

#[test]
fn escape_row() {
    assert_eq!(ok("Escape"), b"\x1b");
    assert_eq!(ok("alt+escape"), b"\x1b\x1b");
    assert_eq!(err("ctrl+Escape"), "Unsupported modifier combination for escape: ctrl");
}

#[test]
fn backspace_row() {
    assert_eq!(ok("Backspace"), b"\x7f");
    assert_eq!(ok("alt+BackSpace"), b"\x1b\x7f");
    assert_eq!(err("shift+backspace"), "Unsupported modifier combination for backspace: shift");
}

#[test]
fn space_row() {
    assert_eq!(ok("Space"), b" ");
    assert_eq!(ok("ctrl+space"), b"\x00");
    assert_eq!(ok("alt+Space"), b"\x1b ");
    assert_eq!(ok("ctrl+alt+space"), b"\x1b\x00");
    assert_eq!(err("shift+space"), "Unsupported modifier combination for space: shift");
}

#[test]
fn arrow_rows() {
    assert_eq!(ok("Up"), b"\x1b[A");
    assert_eq!(ok("Down"), b"\x1b[B");
    assert_eq!(ok("Right"), b"\x1b[C");
    assert_eq!(ok("Left"), b"\x1b[D");
    assert_eq!(ok("shift+down"), b"\x1b[1;2B");
    assert_eq!(ok("alt+right"), b"\x1b[1;3C");
    assert_eq!(ok("ctrl+left"), b"\x1b[1;5D");
    assert_eq!(ok("ctrl+alt+shift+up"), b"\x1b[1;8A");
    assert_eq!(ok("alt+shift+up"), b"\x1b[1;4A");
    assert_eq!(ok("ctrl+alt+up"), b"\x1b[1;7A");
}

#[test]
fn home_end_rows() {
    assert_eq!(ok("Home"), b"\x1b[H");
    assert_eq!(ok("End"), b"\x1b[F");
    assert_eq!(ok("ctrl+home"), b"\x1b[1;5H");
    assert_eq!(ok("shift+END"), b"\x1b[1;2F");
}

#[test]
fn f1_to_f4_rows() {
    assert_eq!(ok("F1"), b"\x1bOP");
    assert_eq!(ok("f2"), b"\x1bOQ");
    assert_eq!(ok("F3"), b"\x1bOR");
    assert_eq!(ok("F4"), b"\x1bOS");
    assert_eq!(ok("shift+F1"), b"\x1b[1;2P");
    assert_eq!(ok("ctrl+F4"), b"\x1b[1;5S");
}

#[test]
fn tilde_rows() {
    assert_eq!(ok("Insert"), b"\x1b[2~");
    assert_eq!(ok("Delete"), b"\x1b[3~");
    assert_eq!(ok("PageUp"), b"\x1b[5~");
    assert_eq!(ok("pagedown"), b"\x1b[6~");
    assert_eq!(ok("ctrl+Delete"), b"\x1b[3;5~");
    assert_eq!(ok("shift+pageup"), b"\x1b[5;2~");
}

#[test]
fn f5_to_f12_rows() {
    let expected = ["15", "17", "18", "19", "20", "21", "23", "24"];
    for (i, code) in expected.iter().enumerate() {
        let name = format!("F{}", i + 5);
        assert_eq!(ok(&name), format!("\x1b[{code}~").into_bytes(), "{name}");
        let modified = format!("alt+{name}");
        assert_eq!(ok(&modified), format!("\x1b[{code};3~").into_bytes(), "{modified}");
    }
}

#[test]
fn printable_plain_keeps_case() {
    assert_eq!(ok("a"), b"a");
    assert_eq!(ok("A"), b"A");
    assert_eq!(ok("~"), b"~");
    assert_eq!(ok("1"), b"1");
}

#[test]
fn printable_ctrl() {
    assert_eq!(ok("ctrl+a"), b"\x01");
    assert_eq!(ok("ctrl+A"), b"\x01");
    assert_eq!(ok("ctrl+z"), b"\x1a");
    assert_eq!(ok("ctrl+shift+a"), b"\x01");
    assert_eq!(ok("ctrl+@"), b"\x00");
    assert_eq!(ok("ctrl+["), b"\x1b");
    assert_eq!(ok("ctrl+\\"), b"\x1c");
    assert_eq!(ok("ctrl+]"), b"\x1d");
    assert_eq!(ok("ctrl+^"), b"\x1e");
    assert_eq!(ok("ctrl+_"), b"\x1f");
    assert_eq!(ok("ctrl+?"), b"\x7f");
    assert_eq!(err("ctrl+1"), "Unsupported modifier combination for 1: ctrl");
    assert_eq!(err("ctrl+shift+["), "Unsupported modifier combination for [: ctrl+shift");
}

#[test]
fn printable_ctrl_alt() {
    assert_eq!(ok("ctrl+alt+a"), b"\x1b\x01");
    assert_eq!(ok("alt+ctrl+shift+b"), b"\x1b\x02");
    assert_eq!(ok("ctrl+alt+["), b"\x1b\x1b");
    assert_eq!(err("ctrl+alt+1"), "Unsupported modifier combination for 1: ctrl+alt");
}

#[test]
fn printable_alt() {
    assert_eq!(ok("alt+x"), b"\x1bx");
    assert_eq!(ok("alt+X"), b"\x1bX");
    assert_eq!(ok("alt+1"), b"\x1b1");
}

#[test]
fn printable_alt_shift() {
    assert_eq!(ok("alt+shift+x"), b"\x1bX");
    assert_eq!(err("alt+shift+1"), "Unsupported modifier combination for 1: alt+shift");
}

#[test]
fn printable_shift() {
    assert_eq!(ok("shift+a"), b"A");
    assert_eq!(ok("shift+A"), b"A");
    assert_eq!(err("shift+1"), "Unsupported modifier combination for 1: shift");
}

/// The message without its hint: exactly agent-tty 0.5.0's.
fn strict(name: &str) -> String {
    let message = err(name);
    match message.find(" (") {
        Some(at) if message.ends_with(')') => message[..at].to_string(),
        _ => message,
    }
}

#[test]
fn unknown_base_key() {
    assert_eq!(strict("BOGUS"), "Unknown base key: BOGUS");
    assert_eq!(strict("F13"), "Unknown base key: F13");
    assert_eq!(strict("é"), "Unknown base key: é");
    assert_eq!(strict("ctrl+日"), "Unknown base key: 日");
    for alias in ["esc", "return", "pgup", "bs", "del"] {
        assert_eq!(strict(alias), format!("Unknown base key: {alias}"));
    }
}

#[test]
fn unknown_modifier() {
    assert_eq!(strict("meta+a"), "Unknown modifier: meta");
    for alias in ["control", "cmd", "super", "option", "Meta"] {
        assert_eq!(strict(&format!("{alias}+a")), format!("Unknown modifier: {alias}"));
    }
}

/// Common other spellings are rejected (as by 0.5.0) with the name that was meant; every
/// suggestion is itself a valid key name.
#[test]
fn aliases_suggest_the_key_name() {
    let cases = [
        ("Esc", "Escape"),
        ("esc", "Escape"),
        ("ESC", "Escape"),
        ("<Esc>", "Escape"),
        ("Return", "Enter"),
        ("<CR>", "Enter"),
        ("Del", "Delete"),
        ("bs", "Backspace"),
        ("PgUp", "PageUp"),
        ("PgDn", "PageDown"),
        ("page-down", "PageDown"),
        ("Page Up", "PageUp"),
        ("Ins", "Insert"),
        ("ArrowUp", "Up"),
        ("Ctrl-C", "ctrl+c"),
        ("ctrl-c", "ctrl+c"),
        ("CTRL-X", "ctrl+x"),
        ("C-c", "ctrl+c"),
        ("C-x", "ctrl+x"),
        ("c-C", "ctrl+c"),
        ("^C", "ctrl+c"),
        ("^[", "ctrl+["),
        ("<C-w>", "ctrl+w"),
        ("M-x", "alt+x"),
        ("Meta-x", "alt+x"),
        ("C-M-x", "ctrl+alt+x"),
        ("S-Tab", "shift+Tab"),
        ("Shift-Tab", "shift+Tab"),
        ("BackTab", "shift+Tab"),
        ("ctrl-shift-up", "ctrl+shift+Up"),
        ("Ctrl+Shift-Up", "ctrl+shift+Up"),
        ("ctrl+Del", "ctrl+Delete"),
        ("control+c", "ctrl+c"),
        ("meta+a", "alt+a"),
        ("Option+Left", "alt+Left"),
        ("alt-F4", "alt+F4"),
        ("f-5", "F5"),
        ("Entr", "Enter"),
        ("Escpae", "Escape"),
        ("Backspcae", "Backspace"),
    ];
    for (name, meant) in cases {
        let message = err(name);
        assert!(message.ends_with(&format!(" (did you mean {meant}?)")), "{name:?}: {message}");
        assert!(encode_key(meant).is_ok(), "{name:?}: the suggestion {meant:?} must encode");
    }
    assert_eq!(err("Esc"), "Unknown base key: Esc (did you mean Escape?)");
    assert_eq!(err("Ctrl-C"), "Unknown base key: Ctrl-C (did you mean ctrl+c?)");
    assert_eq!(err("meta+a"), "Unknown modifier: meta (did you mean alt+a?)");
}

/// Names valid in 0.5.0 stay valid and unchanged.
#[test]
fn valid_names_are_not_rewritten() {
    assert_eq!(ok("Escape"), b"\x1b");
    assert_eq!(ok("ESCAPE"), b"\x1b");
    assert_eq!(ok("Ctrl+C"), b"\x03");
    assert_eq!(ok("-"), b"-");
    assert_eq!(ok("^"), b"^");
    assert_eq!(ok("<"), b"<");
}

/// Text, out-of-range and unknown names get a hint about what to do instead.
#[test]
fn other_unknown_names_get_a_hint() {
    let text = "text is not a key name: send it with `type`";
    assert_eq!(err(":wq"), format!("Unknown base key: :wq ({text})"));
    assert_eq!(err("BOGUS"), format!("Unknown base key: BOGUS ({text})"));
    assert_eq!(err("hello world"), format!("Unknown base key: hello world ({text})"));
    assert_eq!(err("ls -la"), format!("Unknown base key: ls -la ({text})"));
    assert_eq!(
        err("é"),
        "Unknown base key: é (only printable ASCII characters are keys: send other text with `type`)"
    );
    assert_eq!(err("F13"), "Unknown base key: F13 (function keys go from F1 to F12)");
    assert!(err("ctrl+日").starts_with("Unknown base key: 日 (named keys are Enter, Tab, Escape"));
    assert_eq!(err("ctrl+Esc"), "Unknown base key: Esc (the key is named Escape)");
    assert_eq!(
        err("ctrl+c Enter"),
        "Unknown base key: c Enter (one key per argument, as in `send-keys <id> ctrl+c Enter`)"
    );
    assert_eq!(
        err("cmd+c"),
        "Unknown modifier: cmd (the modifiers are ctrl, alt and shift, as in ctrl+c or ctrl+shift+Up)"
    );
    // short words get no guess
    assert!(!err("and").contains("did you mean"), "{}", err("and"));
    assert!(!err("tabs2").contains("did you mean"), "{}", err("tabs2"));
    // the other errors are unchanged
    assert_eq!(err("ctrl+ctrl+a"), "Duplicate modifier: ctrl");
    assert_eq!(err("ctrl+Enter"), "Unsupported modifier combination for enter: ctrl");
    assert_eq!(err(""), "Unknown base key: ");
}

#[test]
fn duplicate_modifier() {
    assert_eq!(err("ctrl+ctrl+a"), "Duplicate modifier: ctrl");
    assert_eq!(err("Alt+ALT+a"), "Duplicate modifier: alt");
}

#[test]
fn missing_base_key() {
    assert_eq!(err("ctrl+shift"), "Missing base key in ctrl+shift");
    assert_eq!(err("  Ctrl + Shift "), "Missing base key in Ctrl + Shift");
    assert_eq!(err("ctrl"), "Missing base key in ctrl");
    assert_eq!(err("ctrl+"), "Missing base key in ctrl+");
    assert_eq!(err("+"), "Empty modifier in +");
}

#[test]
fn empty_names() {
    assert_eq!(err(""), "Unknown base key: ");
    assert_eq!(err("   "), "Unknown base key: ");
    assert_eq!(err("ctrl++a"), "Empty modifier in ctrl++a");
    assert_eq!(err("+a"), "Empty modifier in +a");
}

#[test]
fn encode_keys_concatenates_and_first_error_wins() {
    assert_eq!(encode_keys(&["a", "Enter", "ctrl+c"]), Ok(b"a\r\x03".to_vec()));
    let empty: [&str; 0] = [];
    assert_eq!(encode_keys(&empty), Ok(Vec::new()));
    let e = encode_keys(&["a".to_owned(), "meta+x".to_owned(), "BOGUS".to_owned()]);
    assert_eq!(e.map_err(|e| e.to_string()), Err("Unknown modifier: meta (did you mean alt+x?)".to_owned()));
}

#[test]
fn key_error_is_std_error() {
    let e: Box<dyn std::error::Error> = Box::new(KeyError::new("x".to_owned()));
    assert_eq!(e.to_string(), "x");
}
