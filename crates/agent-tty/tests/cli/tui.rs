//! Real programs (vim, less, htop, Unicode output, a resize) driven identically in an
//! agent-tty session and in tmux: our `snapshot` must show what tmux's `capture-pane`
//! shows, and the offline (replayed) snapshot after `destroy` must show what the last
//! live one showed.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::*;
use crate::tmux::{PROGRAM_ENV, Tmux};

/// The same interactive bash in an agent-tty session and in tmux, each in its own copy of
/// a working directory holding the same files (so two vims do not share a swap file).
struct Pair<'a> {
    t: &'a TestHome,
    id: String,
    tmux: Tmux,
    ours: PathBuf,
    reference: PathBuf,
}

impl<'a> Pair<'a> {
    fn bash(t: &'a TestHome, cols: u16, rows: u16, files: &[(&str, &str)]) -> Pair<'a> {
        let (ours, reference) = (t.path("ours"), t.path("ref"));
        for dir in [&ours, &reference] {
            std::fs::create_dir_all(dir).unwrap();
            for (name, content) in files {
                std::fs::write(dir.join(name), content).unwrap();
            }
        }
        let (c, r) = (cols.to_string(), rows.to_string());
        let mut extra = vec!["--cols", &c, "--rows", &r, "--cwd", ours.to_str().unwrap()];
        let env: Vec<String> = PROGRAM_ENV.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for kv in &env {
            extra.extend_from_slice(&["--env", kv]);
        }
        let id = t.create(&extra, &BASH)["sessionId"].as_str().unwrap().to_string();
        let tmux = Tmux::start(t, &reference, cols, rows, "bash --norc --noprofile");
        let pair = Pair { t, id, tmux, ours, reference };
        pair.tmux.wait_for("bash-");
        pair.expect("the first prompt", &["--regex", &format!("^{PROMPT_RE}\\n*$")]);
        pair
    }

    /// Literal text to both.
    fn type_text(&self, text: &str) {
        self.tmux.type_text(text);
        self.t.type_text(&self.id, text);
    }

    /// One named key to both.
    fn key(&self, key: &str) {
        self.tmux.key(key);
        self.t.send_keys(&self.id, &[key]);
    }

    /// A command line and Enter.
    fn line(&self, text: &str) {
        self.type_text(text);
        self.key("Enter");
    }

    /// Our own wait for `wait_args` on a screen quiet for 200 ms, then our structured
    /// snapshot, which tmux must show too (lines, cursor, alternate screen).
    fn expect(&self, what: &str, wait_args: &[&str]) -> Value {
        let mut args = wait_args.to_vec();
        args.extend_from_slice(&["--screen-stable-ms", "200"]);
        self.t.wait_render(&self.id, &args);
        let snapshot = self.t.snapshot(&self.id, &[]);
        self.tmux.expect_snapshot(what, &snapshot);
        snapshot
    }

    /// Live snapshots, destroy, then the offline snapshot must show the same screen.
    fn offline_equals_live(&self) {
        let live = self.t.live_snapshots(&self.id);
        self.t.at(&["destroy", &self.id, "--json"]).ok("destroy");
        self.t.assert_offline_equals_live(&self.id, &live);
    }
}

/// `vim -u NONE -N`: open a new file, insert text, `:w`, `:q` — the file on disk and
/// every screen equal tmux's; alternate screen on in vim, off after it.
#[test]
fn vim_edit_and_write() {
    require("vim", "vim");
    let t = TestHome::new();
    let p = Pair::bash(&t, 80, 24, &[]);
    p.line("vim -u NONE -N notes.txt");
    let s = p.expect("vim opened", &["--text", "\"notes.txt\" [New]"]);
    assert_eq!(s["isAltScreen"], true);
    p.type_text("i");
    p.type_text("hello from agent-tty");
    let s = p.expect("insert mode", &["--regex", r"^hello from agent-tty\n~[\s\S]*-- INSERT --$"]);
    assert_eq!((s["cursorRow"].as_u64(), s["cursorCol"].as_u64()), (Some(0), Some(20)));
    p.key("Escape");
    p.type_text(":w");
    p.key("Enter");
    p.expect("written", &["--text", "\"notes.txt\" [New] 1L, 21B written"]);
    for dir in [&p.ours, &p.reference] {
        assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "hello from agent-tty\n");
    }
    p.type_text(":q");
    p.key("Enter");
    let s = p.expect("vim quit", &["--regex", &format!(r"notes\.txt\n{PROMPT_RE}\n*$")]);
    assert_eq!(s["isAltScreen"], false);
    p.offline_equals_live();
}

/// `less` on a 200-line file: first page (alternate screen), `Space` (next page), `q`
/// (main screen back).
#[test]
fn less_pages_and_quits() {
    require("less", "less");
    let t = TestHome::new();
    let content: String = (1..=200).map(|i| format!("line {i:03} of the big file\n")).collect();
    let p = Pair::bash(&t, 80, 24, &[("big.txt", &content)]);
    p.line("less big.txt");
    let s = p.expect("less opened", &["--text", "line 023 of the big file\nbig.txt"]);
    assert_eq!(s["isAltScreen"], true);
    assert_eq!(s["visibleLines"][0]["text"], "line 001 of the big file");
    p.key("Space");
    let s = p.expect("after Space", &["--text", "line 046 of the big file\n:"]);
    assert_eq!(s["isAltScreen"], true);
    assert_eq!(s["visibleLines"][0]["text"], "line 024 of the big file");
    p.type_text("q");
    let s = p.expect("less quit", &["--regex", &format!(r"less big\.txt\n{PROMPT_RE}\n*$")]);
    assert_eq!(s["isAltScreen"], false);
    p.offline_equals_live();
}

/// `htop -d 10` redraws every second: a stability wait must still settle between
/// redraws; its column header and key bar equal tmux's (the numbers are volatile).
#[test]
fn htop_settles_and_quits() {
    require("htop", "htop");
    let t = TestHome::new();
    let p = Pair::bash(&t, 80, 24, &[]);
    p.line("htop -d 10");
    let settled = p.t.wait_render(&p.id, &["--text", "PID", "--screen-stable-ms", "300"]);
    assert_eq!(settled["matchedText"], "PID");
    let s = p.t.snapshot(&p.id, &[]);
    assert_eq!(s["isAltScreen"], true);
    let lines = line_texts(&s["visibleLines"]);
    let header = lines.iter().position(|l| l.contains("PID USER")).expect("htop's column header");
    assert!(lines[header].contains("Command"), "{}", lines[header]);
    let last = lines.last().unwrap().clone();
    assert!(last.starts_with("F1Help"), "the key bar: {last:?}");
    wait_until("tmux shows the same htop header and key bar", DEADLINE, || {
        let theirs = p.tmux.lines();
        theirs.get(header) == Some(&lines[header]) && theirs.last() == Some(&last)
    });
    p.type_text("q");
    let s = p.expect("htop quit", &["--regex", &format!(r"htop -d 10\n{PROMPT_RE}\n*$")]);
    assert_eq!(s["isAltScreen"], false);
    p.offline_equals_live();
}

/// CJK, emoji and a combining mark: the same rows and cursor as tmux; wide glyphs take
/// two columns (checked through the cell grid too).
#[test]
fn cjk_emoji_and_combining_marks() {
    let t = TestHome::new();
    let script = "printf '日本語テキスト|\\n'\nprintf '中文|\\n'\nprintf 'A🙂B|\\n'\nprintf 'e\u{301}|\\n'\n\
                  printf '漢字 and ascii|\\n'\nprintf 'DONE\\n'\n";
    let p = Pair::bash(&t, 80, 24, &[("cjk.sh", script)]);
    p.line("bash cjk.sh");
    let s = p.expect("unicode output", &["--regex", &format!(r"\nDONE\n{PROMPT_RE}\n*$")]);
    let lines = line_texts(&s["visibleLines"]);
    for expected in ["日本語テキスト|", "中文|", "A🙂B|", "e\u{301}|", "漢字 and ascii|"] {
        assert!(lines.iter().any(|l| l == expected), "a row reads {expected:?}: {lines:#?}");
    }
    // wide glyphs on bash's command line: readline and both terminals agree on widths
    p.type_text("echo 🙂中=");
    let typed = p.expect("wide glyphs being typed", &["--regex", r"[#$] echo 🙂中=\n*$"]);
    assert_eq!(typed["cursorCol"], 10 + 5 + 2 + 2 + 1, "🙂 and 中 take two columns each");
    p.key("Enter");
    p.expect("wide glyphs echoed", &["--regex", &format!(r"\n🙂中=\n{PROMPT_RE}\n*$")]);
    let cells = t.snapshot(&p.id, &["--include-cells"]);
    let grid = cells["cells"].as_array().unwrap();
    let row_cells = |text: &str| -> Vec<String> {
        let row = lines.iter().position(|l| l == text).unwrap() as u64;
        grid.iter().find(|l| l["lineNumber"] == row).unwrap()["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["char"].as_str().unwrap().to_string())
            .collect()
    };
    let japanese = row_cells("日本語テキスト|");
    assert_eq!(&japanese[..15], ["日", "", "本", "", "語", "", "テ", "", "キ", "", "ス", "", "ト", "", "|"]);
    assert_eq!(&row_cells("A🙂B|")[..5], ["A", "🙂", "", "B", "|"]);
    assert_eq!(&row_cells("e\u{301}|")[..2], ["e\u{301}", "|"], "a grapheme cluster stays in one cell");
    p.offline_equals_live();
}

/// A resize mid-program: 100 lines at 80×24, then 40×10 in both terminals (bash sees
/// SIGWINCH), then more output at the new size.
#[test]
fn resize_mid_program() {
    let t = TestHome::new();
    let p = Pair::bash(&t, 80, 24, &[]);
    p.line(r#"for i in $(seq 1 100); do echo "number $i"; done"#);
    p.expect("100 lines at 80x24", &["--regex", &format!(r"\nnumber 100\n{PROMPT_RE}\n*$")]);
    p.tmux.resize(40, 10);
    let resized = t.at(&["resize", &p.id, "--cols", "40", "--rows", "10", "--json"]).ok("resize");
    assert_eq!(resized, serde_json::json!({"cols": 40, "rows": 10}));
    let s = p.expect("after resize to 40x10", &["--regex", &format!(r"\nnumber 100\n{PROMPT_RE}\n*$")]);
    assert_eq!((s["cols"].as_u64(), s["rows"].as_u64()), (Some(40), Some(10)));
    assert_eq!(s["visibleLines"][0]["text"], "number 92");
    p.line("stty size");
    p.expect("the program sees 10x40", &["--regex", &format!(r"\n10 40\n{PROMPT_RE}\n*$")]);
    p.line("echo after-resize-$((3*3))");
    p.expect("output after the resize", &["--regex", &format!(r"\nafter-resize-9\n{PROMPT_RE}\n*$")]);
    p.offline_equals_live();
}
