//! What an agent sees of a screen, polished: the cursor a program hides (`ESC[?25l`) is
//! reported hidden and never drawn, live and offline; the per-Home socket directory goes
//! away with the last session of the Home and `gc` sweeps leftovers; human text snapshots
//! leave out the blank rows at the bottom while the JSON keeps every row.
//!
//! The socket tests use a private socket root (`AGENT_TTY_SOCKET_ROOT`), so the shared
//! `/tmp/agent-tty` of parallel tests is never looked at.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

/// Decodes a PNG: (width, RGB bytes).
fn decode(png_bytes: &[u8]) -> (u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, buf)
}

/// A screenshot with `flag`: the result and the PNG, read at once (the next screenshot
/// at the same seq overwrites the artifact).
fn shot(t: &TestHome, id: &str, flag: &str) -> (Value, Vec<u8>) {
    let result = t.at(&["screenshot", id, flag, "--json"]).ok("screenshot");
    let png_bytes = std::fs::read(result["artifactPath"].as_str().unwrap()).unwrap();
    (result, png_bytes)
}

/// The pixels of the cell (`row`, `col`) in a screenshot.
fn cell_pixels((result, png_bytes): &(Value, Vec<u8>), row: u64, col: u64) -> Vec<u8> {
    let (width, rgb) = decode(png_bytes);
    let cell_w = result["pixelWidth"].as_u64().unwrap() / result["cols"].as_u64().unwrap();
    let cell_h = result["pixelHeight"].as_u64().unwrap() / result["rows"].as_u64().unwrap();
    let mut out = Vec::new();
    for y in row * cell_h..(row + 1) * cell_h {
        let start = ((y * u64::from(width) + col * cell_w) * 3) as usize;
        out.extend_from_slice(&rgb[start..start + (cell_w * 3) as usize]);
    }
    out
}

/// Screenshots with `--show-cursor` and `--hide-cursor` of the current screen; asserts
/// whether the cursor was drawn (`drawn`) from the result and from the cursor cell's
/// pixels. Returns the `--show-cursor` result.
fn check_cursor_drawn(t: &TestHome, id: &str, row: u64, col: u64, drawn: bool) -> Value {
    let shown = shot(t, id, "--show-cursor");
    let hidden = shot(t, id, "--hide-cursor");
    assert_eq!(shown.0["capturedAtSeq"], hidden.0["capturedAtSeq"], "the screen was quiet");
    assert_eq!(shown.0["cursorVisible"], drawn, "{}", shown.0);
    assert_eq!(hidden.0["cursorVisible"], false, "{}", hidden.0);
    let (with, without) = (cell_pixels(&shown, row, col), cell_pixels(&hidden, row, col));
    if drawn {
        assert_ne!(with, without, "the cursor cell ({row}, {col}) is painted");
    } else {
        assert_eq!(with, without, "no cursor at ({row}, {col})");
        assert_eq!(shown.0["sha256"], hidden.0["sha256"], "nothing drawn anywhere");
    }
    let human = t.at(&["screenshot", id, "--show-cursor"]).human_ok().to_string();
    assert_eq!(human.contains("Cursor: not drawn (the program hides it)"), !drawn, "{human}");
    shown.0
}

/// The cursor of a snapshot: (row, col, visible), equal in both formats.
fn snapshot_cursor(t: &TestHome, id: &str) -> (u64, u64, bool) {
    let (text, structured) = t.live_snapshots(id);
    for key in ["cursorRow", "cursorCol", "cursorVisible"] {
        assert_eq!(text[key], structured[key], "{key} in both formats");
    }
    let keys: Vec<&str> = structured.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys[keys.len() - 2..], ["screenHash", "cursorVisible"], "an addition after the 0.5 keys");
    let cursor = |s: &Value, key: &str| s[key].as_u64().unwrap();
    (
        cursor(&structured, "cursorRow"),
        cursor(&structured, "cursorCol"),
        structured["cursorVisible"].as_bool().unwrap(),
    )
}

#[test]
fn a_hidden_cursor_is_reported_and_not_drawn_live_and_offline() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--cols", "40", "--rows", "8"]);
    let (row, col, visible) = snapshot_cursor(&t, &id);
    assert!(visible, "bash shows its cursor");
    check_cursor_drawn(&t, &id, row, col, true);

    // Hidden the way `top` hides it.
    t.run_settled(&id, r"printf '\033[?25l'; echo cursor-hidden", "cursor-hidden");
    let (row, col, visible) = snapshot_cursor(&t, &id);
    assert!(!visible, "ESC[?25l hides the cursor");
    let before_hash = t.snapshot(&id, &[])["screenHash"].clone();
    check_cursor_drawn(&t, &id, row, col, false);
    let human = t.at(&["snapshot", &id]).human_ok().to_string();
    assert!(human.contains(&format!("Cursor: row {row}, col {col} (hidden)\n")), "{human}");

    // Shown again: drawn again.
    t.run_settled(&id, r"printf '\033[?25h'; echo cursor-shown", "cursor-shown");
    let (row, col, visible) = snapshot_cursor(&t, &id);
    assert!(visible, "ESC[?25h shows it again");
    check_cursor_drawn(&t, &id, row, col, true);
    let human = t.at(&["snapshot", &id]).human_ok().to_string();
    assert!(human.contains(&format!("Cursor: row {row}, col {col}\n")), "{human}");

    // Hidden when the session ends: offline replay agrees with the live screen.
    // (On a cleared screen: bash's goodbye line feed on exit must not scroll it.)
    t.run_settled(&id, r"clear; printf '\033[?25l'; echo hidden-again", "hidden-again");
    let live = t.snapshot(&id, &[]);
    assert_eq!(live["cursorVisible"], false);
    assert_ne!(live["screenHash"], before_hash, "a different screen");
    let live_shot = shot(&t, &id, "--show-cursor").0;
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = t.snapshot(&id, &[]);
    let offline_text = t.snapshot(&id, &["--format", "text"]);
    assert_eq!(
        (&offline["cursorVisible"], &offline_text["cursorVisible"]),
        (&Value::Bool(false), &Value::Bool(false))
    );
    let (row, col) = (offline["cursorRow"].as_u64().unwrap(), offline["cursorCol"].as_u64().unwrap());
    let offline_shot = check_cursor_drawn(&t, &id, row, col, false);
    assert_eq!(offline["visibleLines"], live["visibleLines"], "the same text offline");
    assert_eq!(offline_shot["sha256"], live_shot["sha256"], "the same picture offline (no cursor in either)");
}

/// A private socket root for one test, and the `AGENT_TTY_SOCKET_ROOT` setting for it.
struct SocketRoot {
    root: PathBuf,
}

impl SocketRoot {
    fn new(t: &TestHome) -> SocketRoot {
        let root = t.path("sockroot");
        std::fs::create_dir(&root).unwrap();
        SocketRoot { root }
    }

    /// `<root>/<H8>` of the test's Home.
    fn h8_dir(&self, t: &TestHome) -> PathBuf {
        self.root.join(&sha256_hex(t.home.to_str().unwrap().as_bytes())[..8])
    }

    fn at(&self, t: &TestHome, args: &[&str]) -> Out {
        let home = t.home_str();
        let mut full = vec!["--home", home.as_str()];
        full.extend_from_slice(args);
        t.run_with(&full, &[("AGENT_TTY_SOCKET_ROOT", Some(self.root.to_str().unwrap()))], None)
    }

    fn bash(&self, t: &TestHome) -> String {
        let mut args = vec!["create", "--json", "--"];
        args.extend_from_slice(&BASH);
        self.at(t, &args).ok("create")["sessionId"].as_str().unwrap().to_string()
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_socket_dir_goes_with_the_last_session_of_the_home() {
    let t = TestHome::new();
    let sockets = SocketRoot::new(&t);
    let dir = sockets.h8_dir(&t);
    let s12 = |id: &str| sha256_hex(id.as_bytes())[..12].to_string();

    // Destroy one of two: the directory stays for the other.
    let first = sockets.bash(&t);
    let second = sockets.bash(&t);
    let mut both = vec![s12(&first), s12(&second)];
    both.sort();
    assert_eq!(entries(&dir), both);
    sockets.at(&t, &["destroy", &first, "--json"]).ok("destroy");
    wait_until("the first socket is gone", DEADLINE, || entries(&dir) == [s12(&second)]);
    sockets.at(&t, &["type", &second, "echo still-served\n", "--json"]).ok("type");
    t.wait_output(&second, "still-served");

    // The last one exits on its own: its host removes the directory.
    sockets.at(&t, &["type", &second, "exit\n", "--json"]).ok("type");
    sockets.at(&t, &["wait", &second, "--exit", "--timeout", "20000", "--json"]).ok("wait");
    wait_until("the socket directory is removed", DEADLINE, || !dir.exists());
    assert!(sockets.root.is_dir(), "the root stays");

    // Destroyed, and destroyed by force (the host is killed; destroy cleans up).
    for force in [false, true] {
        let id = sockets.bash(&t);
        assert_eq!(entries(&dir), [s12(&id)]);
        let mut args = vec!["destroy", id.as_str(), "--json"];
        if force {
            args.push("--force");
        }
        sockets.at(&t, &args).ok("destroy");
        wait_until("the socket directory is removed after destroy", DEADLINE, || !dir.exists());
    }
}

#[test]
fn hosts_starting_while_others_end_in_the_same_home_all_start() {
    let t = TestHome::new();
    let sockets = SocketRoot::new(&t);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..4 {
                    let id = sockets.bash(&t);
                    sockets.at(&t, &["destroy", &id, "--json"]).ok("destroy");
                }
            });
        }
    });
    wait_until("the socket directory is removed", DEADLINE, || !sockets.h8_dir(&t).exists());
}

#[test]
fn gc_sweeps_empty_socket_dirs_left_behind() {
    let t = TestHome::new();
    let sockets = SocketRoot::new(&t);
    let live = sockets.bash(&t);
    let root = &sockets.root;
    // Left by hosts that were killed, and things that are not ours to remove.
    for name in ["0123abcd", "4567ef01", "kept-not-h8", "89abcdef"] {
        std::fs::create_dir(root.join(name)).unwrap();
    }
    std::fs::write(root.join("89abcdef/something"), b"").unwrap();
    let h8 = sockets.h8_dir(&t).file_name().unwrap().to_string_lossy().into_owned();
    let mut expected =
        vec![h8.clone(), "0123abcd".into(), "4567ef01".into(), "89abcdef".into(), "kept-not-h8".into()];
    expected.sort();
    assert_eq!(entries(root), expected);

    sockets.at(&t, &["gc", "--dry-run", "--json"]).ok("gc");
    assert_eq!(entries(root), expected, "a dry run removes nothing");
    sockets.at(&t, &["gc", "--json"]).ok("gc");
    let mut left = vec![h8, "89abcdef".to_string(), "kept-not-h8".to_string()];
    left.sort();
    assert_eq!(entries(root), left, "empty <H8> directories are swept; the live session's stays");
    sockets.at(&t, &["type", &live, "echo after-gc\n", "--json"]).ok("type");
    t.wait_output(&live, "after-gc");
}

#[test]
fn human_text_snapshot_leaves_out_the_blank_rows_below() {
    let t = TestHome::new();
    let id = t.bash_ready(&["--cols", "40", "--rows", "10"]);
    t.run_settled(&id, "echo top-line", "top-line");
    let json = t.snapshot(&id, &["--format", "text"]);
    let text = json["text"].as_str().unwrap();
    assert_eq!(text.split('\n').count(), 10, "the JSON keeps every row: {text:?}");
    assert!(text.ends_with("\n\n\n"), "{text:?}");
    let human = t.at(&["snapshot", &id, "--format", "text"]).human_ok().to_string();
    let shown = human.split_once("Text:\n").unwrap().1;
    assert_eq!(shown, format!("{}\n", text.trim_end_matches('\n')), "{human}");
    assert!(shown.starts_with("bash") && shown.contains("top-line\n"), "{shown:?}");
    assert!(!shown.ends_with("\n\n"), "no blank rows at the end: {shown:?}");

    // A blank screen is "(empty)".
    let quiet = t.create(&["--cols", "40", "--rows", "10"], &["sleep", "60"]);
    let quiet = quiet["sessionId"].as_str().unwrap();
    let json = t.snapshot(quiet, &["--format", "text"]);
    assert_eq!(json["text"], "\n".repeat(9));
    let human = t.at(&["snapshot", quiet, "--format", "text"]).human_ok().to_string();
    assert!(human.ends_with("Text:\n(empty)\n"), "{human}");
}
