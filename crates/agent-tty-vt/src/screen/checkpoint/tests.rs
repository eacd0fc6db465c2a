//! Checkpoint tests: a restored screen equals the original (its own checkpoint, cells,
//! scrollback, cursor, modes, hash) and stays equal for any further input.

use proptest::prelude::*;

use super::*;
use crate::snapshot::{Snapshot, SnapshotOptions};

const ALL: SnapshotOptions = SnapshotOptions { scrollback: true, cells: true };

/// What must match: the snapshot with cells and scrollback, its hash, and the state a
/// snapshot does not show (modes, colours, cursor style, both cursors, the shadow).
/// Everything compared: see [`state`].
type State = (Snapshot, String, u32, Vec<Option<(u8, u8, u8)>>, String, String, Option<Vec<u8>>);

fn state(screen: &mut Screen) -> State {
    screen.end_sync();
    let snapshot = screen.snapshot(ALL);
    let hash = snapshot.screen_hash();
    let colors = (0..COLOR_COUNT).map(|i| screen.term.colors()[i].map(|c| (c.r, c.g, c.b))).collect();
    let grid = screen.term.grid();
    let cursors = format!("{:?} {:?} {:?}", grid.cursor, grid.saved_cursor, screen.term.cursor_style());
    let shadow = format!("{:?}", screen.shadow);
    (snapshot, hash, screen.term.mode().bits(), colors, cursors, shadow, screen.checkpoint())
}

fn fed(cols: u16, rows: u16, bytes: &[u8]) -> Screen {
    let mut screen = Screen::new(cols, rows);
    screen.feed(bytes, 0);
    screen
}

fn round_trip(screen: &mut Screen) -> Screen {
    let bytes = screen.checkpoint().expect("checkpoint");
    Screen::restore(&bytes).expect("restore")
}

#[test]
fn a_restored_screen_equals_the_original_and_goes_on_equal() {
    let setup: &[u8] = b"\x1b]0;title\x07\x1b[22t\x1b]2;second\x07\x1b]4;1;rgb:12/34/56\x07\x1b]10;rgb:aa/bb/cc\x07\
        \x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1h\x1b=\x1b[4h\x1b[5 q\x1b(0\x0e\x1b[3;10r\x1b[?6h\
        \x1b[31;44mred\x1b[0m \x1b[1;4mbold\x1b]8;id=x;http://e\x1b\\link\x1b]8;;\x1b\\ e\xcc\x81 \xe4\xb8\xad\x1b7\x1b[5;5H";
    let mut original = fed(40, 12, setup);
    for n in 0..60 {
        original.feed(format!("line {n}\r\n").as_bytes(), 0);
    }
    let mut restored = round_trip(&mut original);
    assert_eq!(state(&mut restored), state(&mut original));
    let rest: &[u8] = b"\x1b[23tqqq\x0fqq\x1b8more\x1b[?6l\x1b[r\r\n\x1b[4lx\x1b[1;1Hy\x1b[?1049h\x1b[2Jalt";
    restored.feed(rest, 0);
    original.feed(rest, 0);
    assert_eq!(state(&mut restored), state(&mut original));
}

#[test]
fn the_alternate_screen_and_the_primary_under_it_survive() {
    let mut original = fed(30, 8, b"primary\r\nscreen\x1b[?1049h\x1b[2J\x1b[3;3Halt \x1b[7mtext\x1b[?25l");
    assert!(original.is_alt_screen());
    let before = original.snapshot(ALL);
    let mut restored = round_trip(&mut original);
    assert_eq!(original.snapshot(ALL), before, "taking a checkpoint changes nothing");
    assert_eq!(state(&mut restored), state(&mut original));
    for screen in [&mut restored, &mut original] {
        screen.feed(b"\x1b[?1049l back", 0);
    }
    assert_eq!(restored.visible_lines()[..2], ["primary".to_owned(), "screen back".to_owned()]);
    assert_eq!(state(&mut restored), state(&mut original));
}

#[test]
fn no_checkpoint_mid_sequence_in_sync_or_with_custom_tabs() {
    assert!(fed(20, 5, b"abc\x1b[3").checkpoint().is_none());
    assert!(fed(20, 5, b"\x1b]0;half a title").checkpoint().is_none());
    assert!(fed(20, 5, b"\x1b[?2026hbuffered").checkpoint().is_none());
    assert!(fed(20, 5, b"\x1b[3g").checkpoint().is_none());
    let mut resized_in_alt = fed(20, 5, b"\x1b[?1049h");
    resized_in_alt.resize(30, 6);
    assert!(resized_in_alt.checkpoint().is_none());
    assert!(fed(20, 5, b"abc\x1b[3g\x1bc").checkpoint().is_some(), "a full reset clears the tab stops");
}

#[test]
fn damaged_checkpoints_are_refused_never_a_panic() {
    let mut screen = fed(20, 5, b"hello\r\nworld");
    let bytes = screen.checkpoint().unwrap();
    assert_eq!(Screen::restore(b"nonsense").err(), Some(CheckpointError::Format));
    assert_eq!(Screen::restore(&bytes[..bytes.len() - 1]).err(), Some(CheckpointError::Checksum));
    for at in [MAGIC.len() + 1, bytes.len() / 2, bytes.len() - 1] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x40;
        assert!(Screen::restore(&flipped).is_err(), "byte {at}");
    }
}

#[test]
fn damaged_content_behind_a_valid_checksum_is_refused() {
    // A body that parses to nonsense, sealed with a correct checksum.
    let mut bytes = MAGIC.to_vec();
    bytes.push(VERSION);
    bytes.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(&[0xff; 40], 1));
    let digest = Sha256::digest(&bytes);
    bytes.extend_from_slice(&digest[..CHECKSUM_LEN]);
    assert!(matches!(Screen::restore(&bytes), Err(CheckpointError::Content(_))));
}

#[test]
fn a_full_scrollback_round_trips_compactly() {
    let mut screen = Screen::new(200, 50);
    let mut text = String::new();
    for n in 0..12_000 {
        text.push_str(&format!(
            "\x1b[3{}m{n:>6} the quick brown fox jumps over the lazy dog\x1b[0m\r\n",
            n % 8
        ));
    }
    screen.feed(text.as_bytes(), 0);
    let bytes = screen.checkpoint().unwrap();
    assert!(bytes.len() < text.len() / 5, "{} bytes for {} bytes of output", bytes.len(), text.len());
    // (How fast is for `scripts/bench-checkpoints.sh`, not for a test.)
    let mut restored = Screen::restore(&bytes).unwrap();
    assert_eq!(state(&mut restored), state(&mut screen));
}

/// Output chunks that exercise the saved state, and resizes between them.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[a-z ]{0,30}".prop_map(String::into_bytes),
        Just(b"\r\n".to_vec()),
        Just(b"\x1b[2J".to_vec()),
        Just(b"\x1b[?1049h".to_vec()),
        Just(b"\x1b[?1049l".to_vec()),
        Just(b"\x1b[?47h".to_vec()),
        Just(b"\x1b[?47l".to_vec()),
        Just(b"\x1b7".to_vec()),
        Just(b"\x1b8".to_vec()),
        Just(b"\x1b[?6h".to_vec()),
        Just(b"\x1b[?6l".to_vec()),
        Just(b"\x1b[?7l".to_vec()),
        Just(b"\x1b[?7h".to_vec()),
        Just(b"\x1b[4h".to_vec()),
        Just(b"\x1b[4l".to_vec()),
        Just(b"\x1b(0".to_vec()),
        Just(b"\x1b)0\x0e".to_vec()),
        Just(b"\x0f\x1b(B".to_vec()),
        Just(b"\x1b[22t".to_vec()),
        Just(b"\x1b[23t".to_vec()),
        Just(b"\x1b]4;3;rgb:10/20/30\x07".to_vec()),
        Just(b"\x1b]104\x07".to_vec()),
        Just(b"\x1b[3 q".to_vec()),
        Just(b"\x1b[?2004h".to_vec()),
        Just(b"\x1b[?1000h".to_vec()),
        Just(b"\x1b[?1003h".to_vec()),
        Just("\u{4e2d}\u{301}\u{1f600}".as_bytes().to_vec()),
        Just(b"\x1b]8;id=k;http://x\x1b\\ln\x1b]8;;\x1b\\".to_vec()),
        Just(b"\x1b[4:3m\x1b[58;5;9mu\x1b[0m".to_vec()),
        (1u8..8, 2u8..9).prop_map(|(a, b)| format!("\x1b[{a};{b}r").into_bytes()),
        (1u8..9, 1u8..30).prop_map(|(r, c)| format!("\x1b[{r};{c}H").into_bytes()),
        (0u8..8, 0u8..8).prop_map(|(f, b)| format!("\x1b[3{f};4{b}m").into_bytes()),
        (1u8..5).prop_map(|n| format!("\x1b[{n}L\x1b[{n}M\x1b[{n}@\x1b[{n}P\x1b[{n}S\x1b[{n}T").into_bytes()),
        Just(b"\x1b]2;t\x07".to_vec()),
        Just(b"\x1b[3".to_vec()),
        Just(b"m".to_vec()),
        Just(b"\x1b[3b".to_vec()),
        Just(b"\x1bc".to_vec()),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Feed(Vec<u8>),
    Resize(u16, u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![8 => piece().prop_map(Step::Feed), 1 => (5u16..40, 2u16..12).prop_map(|(c, r)| Step::Resize(c, r))]
}

fn apply(screen: &mut Screen, step: &Step) {
    match step {
        Step::Feed(bytes) => screen.feed(bytes, 0),
        Step::Resize(cols, rows) => screen.resize(*cols, *rows),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Checkpoint at every point a checkpoint is possible, restore, feed the rest: the
    /// same state as feeding everything to one screen.
    #[test]
    fn restore_then_rest_equals_feeding_everything(steps in proptest::collection::vec(step(), 1..40), scrollback in 0usize..30) {
        let mut whole = Screen::with_scrollback(20, 6, scrollback);
        for step in &steps {
            apply(&mut whole, step);
        }
        let expected = state(&mut whole);
        let mut tried = 0;
        for cut in 0..=steps.len() {
            let mut prefix = Screen::with_scrollback(20, 6, scrollback);
            for step in &steps[..cut] {
                apply(&mut prefix, step);
            }
            let Some(bytes) = prefix.checkpoint() else { continue };
            tried += 1;
            let mut restored = Screen::restore(&bytes).expect("restore");
            prop_assert_eq!(state(&mut restored), state(&mut prefix), "at cut {}", cut);
            for step in &steps[cut..] {
                apply(&mut restored, step);
            }
            prop_assert_eq!(&state(&mut restored), &expected, "cut {}", cut);
        }
        prop_assert!(tried > 0 || steps.iter().any(|s| matches!(s, Step::Feed(b) if b.as_slice() == b"\x1b[3")));
    }
}
