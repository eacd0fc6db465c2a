//! Property tests: random and mutated key names never panic and either encode or fail
//! with one of the documented messages; random bytes and resizes fed to a [`Screen`]
//! never panic and always leave a consistent snapshot within the size limits.
//!
//! Failing cases are kept in `proptest-regressions/fuzz.txt` and replayed first.

use agent_tty_vt::{MAX_COLS, MAX_ROWS, Screen, SnapshotOptions, encode_key, encode_keys};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

const NAMED: [&str; 29] = [
    "Enter",
    "Tab",
    "Escape",
    "Backspace",
    "Space",
    "Up",
    "Down",
    "Right",
    "Left",
    "Home",
    "End",
    "F1",
    "F2",
    "F3",
    "F4",
    "Insert",
    "Delete",
    "PageUp",
    "PageDown",
    "F5",
    "F6",
    "F7",
    "F8",
    "F9",
    "F10",
    "F11",
    "F12",
    "a",
    "Z",
];

/// The messages `encode_key` documents (see the module docs of `keys`).
const ERROR_PREFIXES: [&str; 6] = [
    "Unknown base key: ",
    "Unknown modifier: ",
    "Duplicate modifier: ",
    "Missing base key in ",
    "Empty modifier in ",
    "Unsupported modifier combination for ",
];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/fuzz.txt"))),
        ..ProptestConfig::default()
    }
}

fn assert_documented(name: &str) -> Result<(), TestCaseError> {
    match encode_key(name) {
        Ok(bytes) => prop_assert!(!bytes.is_empty(), "{name:?} encoded to nothing"),
        Err(e) => prop_assert!(
            ERROR_PREFIXES.iter().any(|p| e.message().starts_with(p)),
            "{name:?}: undocumented error {:?}",
            e.message()
        ),
    }
    Ok(())
}

/// A valid key name: distinct modifiers in any order and case, spaces around pieces.
fn valid_name() -> impl Strategy<Value = (Vec<&'static str>, &'static str, bool)> {
    let mods = proptest::sample::subsequence(vec!["ctrl", "alt", "shift"], 0..=3).prop_shuffle();
    (mods, proptest::sample::select(NAMED.to_vec()), any::<bool>())
}

/// Flips, inserts or deletes bytes of `base` (kept as valid UTF-8 by lossy decoding).
fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, op, byte) in edits {
        let i = if bytes.is_empty() { 0 } else { at % (bytes.len() + 1) };
        match op % 3 {
            0 if i < bytes.len() => bytes[i] ^= byte.max(1),
            1 => bytes.insert(i, byte),
            _ if i < bytes.len() => {
                bytes.remove(i);
            }
            _ => bytes.push(byte),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_key_name_encodes_or_fails_as_documented(name in "\\PC{0,24}") {
        assert_documented(&name)?;
    }

    #[test]
    fn mutated_key_names_encode_or_fail_as_documented(
        (mods, base, _) in valid_name(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0x20u8..0x7f), 1..4),
    ) {
        let mut name = mods.join("+");
        if !name.is_empty() {
            name.push('+');
        }
        name.push_str(base);
        assert_documented(&mutate(&name, &edits))?;
    }

    #[test]
    fn valid_key_names_ignore_case_and_spacing((mods, base, spaced) in valid_name()) {
        let pieces: Vec<&str> = mods.iter().copied().chain([base]).collect();
        let plain = pieces.join("+");
        let result = encode_key(&plain);
        if let Err(e) = &result {
            // Every base with every modifier set is either encodable or a documented refusal.
            prop_assert!(e.message().starts_with("Unsupported modifier combination for "), "{plain}: {e}");
        }
        let sep = if spaced { " + " } else { "+" };
        let respaced = format!(" {} ", pieces.join(sep));
        prop_assert_eq!(&encode_key(&respaced), &result);
        if base.len() > 1 {
            prop_assert_eq!(&encode_key(&plain.to_uppercase()), &result);
            prop_assert_eq!(&encode_key(&plain.to_lowercase()), &result);
        }
        let twice = encode_keys(&[plain.as_str(), plain.as_str()]);
        prop_assert_eq!(twice.ok(), result.ok().map(|b| [b.clone(), b].concat()));
    }
}

/// One step of a terminal's life: output bytes or a resize.
#[derive(Debug, Clone)]
enum Step {
    Feed(Vec<u8>, u64),
    Resize(u16, u16),
}

/// Bytes rich in escape sequences: ESC, CSI/OSC/DCS introducers, parameters, finals,
/// UTF-8 fragments and plain text.
fn terminal_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => any::<u8>().prop_map(|b| vec![b]),
        2 => Just(b"\x1b[".to_vec()),
        1 => Just(b"\x1b]".to_vec()),
        1 => Just(b"\x1bP".to_vec()),
        1 => Just(b"\x07".to_vec()),
        1 => Just(b"\x1b\\".to_vec()),
        2 => "[0-9;?:]{1,3}".prop_map(String::into_bytes),
        2 => "[@-~]".prop_map(String::into_bytes),
        2 => "\\PC{1,4}".prop_map(String::into_bytes),
        1 => Just(b"\r\n".to_vec()),
    ];
    proptest::collection::vec(token, 0..64).prop_map(|tokens| tokens.concat())
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (terminal_bytes(), 0u64..100_000).prop_map(|(b, t)| Step::Feed(b, t)),
        3 => (0u16..=200, 0u16..=60).prop_map(|(c, r)| Step::Resize(c, r)),
        // Beyond the limit in one direction: clamped, never allocated. (Both at once,
        // 1000x500 cells, is slow to snapshot in a debug build; unit tests cover it.)
        1 => (prop_oneof![Just(MAX_COLS + 1), Just(u16::MAX)], 0u16..=8).prop_map(|(c, r)| Step::Resize(c, r)),
        1 => (0u16..=8, prop_oneof![Just(MAX_ROWS + 1), Just(u16::MAX)]).prop_map(|(c, r)| Step::Resize(c, r)),
    ]
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn random_output_and_resizes_leave_a_consistent_screen(
        (cols, rows) in (0u16..=200, 0u16..=60),
        steps in proptest::collection::vec(step(), 1..12),
    ) {
        let mut screen = Screen::with_scrollback(cols, rows, 200);
        for step in &steps {
            match step {
                Step::Feed(bytes, now) => {
                    screen.feed(bytes, *now);
                    drop(screen.take_replies());
                }
                Step::Resize(c, r) => screen.resize(*c, *r),
            }
            let (c, r) = screen.size();
            prop_assert!((2..=MAX_COLS).contains(&c) && (1..=MAX_ROWS).contains(&r), "size {c}x{r}");
        }
        screen.end_sync();
        let (c, r) = screen.size();
        let (row, col) = screen.cursor();
        prop_assert!(row < r && col <= c, "cursor {row},{col} outside {c}x{r}");
        let snapshot = screen.snapshot(SnapshotOptions { scrollback: true, cells: true });
        prop_assert_eq!((snapshot.cols, snapshot.rows), (c, r));
        prop_assert_eq!(snapshot.visible_lines.len(), usize::from(r));
        let cells = snapshot.cells.as_deref().unwrap_or_default();
        prop_assert!(cells.windows(2).all(|w| w[0].row < w[1].row), "cell rows out of order");
        for row in cells {
            prop_assert!(row.row < r && row.cells.len() <= usize::from(c), "cell row {} of {c}x{r}", row.row);
        }
        prop_assert!(snapshot.scrollback_lines.as_ref().map_or(0, Vec::len) <= 200);
        prop_assert_eq!(screen.visible_lines(), snapshot.visible_lines.clone());
        let lines: Vec<&str> = snapshot.visible_lines.iter().map(String::as_str).collect();
        prop_assert_eq!(snapshot.screen_hash(), agent_tty_vt::screen_hash(&lines));
    }
}
