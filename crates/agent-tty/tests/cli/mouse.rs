//! `mouse` against real programs: a Python program that enables each tracking mode and
//! encoding and logs every event it receives (through ncurses' `curses.getmouse()` for
//! the encodings ncurses reads, SGR and default; by decoding the bytes itself for all),
//! vim with `set mouse=a`, `less --mouse` and htop; the refusal when mouse reporting is
//! off, `--force`, `--wheel-as-keys`, and targets that miss.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::*;

/// The event logger (see its docstring).
const PROGRAM: &str = include_str!("mouse/mouse_events.py");

/// A session running the event logger.
struct Logger<'a> {
    t: &'a TestHome,
    id: String,
    log: PathBuf,
    seen: usize,
}

impl<'a> Logger<'a> {
    /// Starts the logger in `mode` with `encoding`, read by `reader` (`curses` or `raw`),
    /// under `TERM=term` (ncurses reads SGR reports for xterm-256color, default ones for
    /// xterm-vt220), on a screen `cols` wide and 30 rows high.
    fn start(t: &'a TestHome, mode: &str, encoding: &str, reader: &str, term: &str, cols: u16) -> Logger<'a> {
        require("python3", "python3");
        let script = t.path("mouse_events.py");
        std::fs::write(&script, PROGRAM).unwrap();
        let log = t.path(&format!("events-{mode}-{encoding}-{reader}-{term}.log"));
        let (cols, term) = (cols.to_string(), format!("TERM={term}"));
        let mut extra = vec!["--cols", &cols, "--rows", "30", "--env", &term];
        extra.extend_from_slice(&["--env", "LANG=C.UTF-8", "--env", "LC_ALL=C.UTF-8"]);
        let argv = ["python3", script.to_str().unwrap(), mode, encoding, reader, log.to_str().unwrap()];
        let id = t.create(&extra, &argv)["sessionId"].as_str().unwrap().to_string();
        t.wait_render(&id, &["--text", &format!("READY {mode} {encoding} {reader}")]);
        Logger { t, id, log, seen: 0 }
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    /// `mouse <id> <args…> --json`.
    fn mouse(&self, args: &[&str]) -> Out {
        let mut all = vec!["mouse", &self.id];
        all.extend_from_slice(args);
        all.push("--json");
        self.t.at(&all)
    }

    /// `mouse <args…>` must succeed, and the program must log exactly `expected` next.
    fn expect(&mut self, args: &[&str], expected: &[&str]) -> Value {
        let result = self.mouse(args).ok("mouse");
        let want = self.seen + expected.len();
        wait_until(&format!("the program logs {expected:?} for mouse {args:?}"), DEADLINE, || {
            self.lines().len() >= want
        });
        let got = self.lines()[self.seen..want].to_vec();
        assert_eq!(got, expected, "mouse {args:?} -> {result}");
        self.seen = want;
        result
    }

    /// Quits the program: it must have logged nothing more than what was expected.
    fn finish(self) {
        self.t.type_text(&self.id, "q");
        self.t.at(&["wait", &self.id, "--exit", "--timeout", "20s", "--json"]).ok("wait");
        assert_eq!(self.lines().len(), self.seen, "unexpected events: {:?}", &self.lines()[self.seen..]);
    }
}

/// Every tracking mode (X10 9, normal 1000, button-event 1002, any-event 1003) with every
/// encoding (default, UTF-8 1005, SGR 1006, urxvt 1015), decoded by the program from the
/// bytes it reads: exact rows, columns, buttons and modifiers, presses, releases and
/// motion as each mode asks, and columns beyond 223 where the encoding carries them.
#[test]
fn every_mode_and_encoding_reaches_the_program_exactly() {
    let t = TestHome::new();

    let mut x10 = Logger::start(&t, "9", "default", "raw", "xterm-256color", 300);
    let result =
        x10.expect(&["click", "--row", "2", "--col", "3", "--modifiers", "shift"], &["row=2 col=3 press-0"]);
    assert_keys(&result, &["seq", "bytesWritten", "row", "col", "tracking", "encoding", "sentAs"]);
    assert_eq!(
        (&result["tracking"], &result["encoding"], &result["sentAs"]),
        (&"x10".into(), &"default".into(), &"reports".into())
    );
    x10.expect(&["right-click", "--row", "0", "--col", "222"], &["row=0 col=222 press-2"]);
    x10.expect(&["scroll", "--down", "1", "--row", "1", "--col", "1"], &["row=1 col=1 wheel-down"]);
    let error = x10.mouse(&["move", "--row", "1", "--col", "1"]).err("mouse", 2, "MOUSE_NOT_ENABLED");
    assert!(error["message"].as_str().unwrap().contains("x10"), "{error}");
    x10.finish();

    let mut normal = Logger::start(&t, "1000", "default", "raw", "xterm-256color", 300);
    let result = normal.expect(
        &["click", "--row", "4", "--col", "100", "--modifiers", "ctrl"],
        &["row=4 col=100 press-0 ctrl", "row=4 col=100 release ctrl"],
    );
    // Bytes beyond 127 are logged one character per byte: 100 + 1 + 32 = U+0085.
    let event = at_seq(&t.checked_events(&normal.id), result["seq"].as_u64().unwrap()).clone();
    assert_eq!(event["type"], "input_text", "{event}");
    assert_eq!(event["payload"]["data"], "\u{1b}[M0\u{85}%\u{1b}[M3\u{85}%");
    normal.expect(
        &["drag", "--row", "1", "--col", "1", "--to-row", "1", "--to-col", "3"],
        &["row=1 col=1 press-0", "row=1 col=3 release"],
    );
    // Column 250 is beyond the default encoding (at most 223): refused, nothing sent.
    let error = normal.mouse(&["click", "--row", "0", "--col", "250"]).err("mouse", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("up to 223"), "{error}");
    normal.finish();

    let mut button = Logger::start(&t, "1002", "utf8", "raw", "xterm-256color", 300);
    button.expect(
        &["drag", "--row", "1", "--col", "1", "--to-row", "1", "--to-col", "3"],
        &["row=1 col=1 press-0", "row=1 col=2 motion-0", "row=1 col=3 motion-0", "row=1 col=3 release"],
    );
    button.expect(
        &["click", "--row", "7", "--col", "250"],
        &["row=7 col=250 press-0", "row=7 col=250 release"],
    );
    button.expect(
        &["middle-click", "--row", "0", "--col", "0", "--modifiers", "alt"],
        &["row=0 col=0 press-1 alt", "row=0 col=0 release alt"],
    );
    let error = button.mouse(&["move", "--row", "1", "--col", "1"]).err("mouse", 2, "MOUSE_NOT_ENABLED");
    assert!(error["message"].as_str().unwrap().contains("button-event"), "{error}");
    button.finish();

    let mut urxvt = Logger::start(&t, "1003", "urxvt", "raw", "xterm-256color", 300);
    urxvt.expect(&["move", "--row", "5", "--col", "5"], &["row=5 col=5 motion"]);
    urxvt.expect(
        &["click", "--row", "29", "--col", "290", "--modifiers", "shift,alt,ctrl"],
        &["row=29 col=290 press-0 shift+alt+ctrl", "row=29 col=290 release shift+alt+ctrl"],
    );
    urxvt.expect(&["scroll", "--up", "2", "--row", "3", "--col", "4"], &["row=3 col=4 wheel-up"; 2]);
    urxvt.finish();

    let mut sgr = Logger::start(&t, "1003", "sgr", "raw", "xterm-256color", 300);
    sgr.expect(
        &["double-click", "--row", "2", "--col", "2"],
        &["row=2 col=2 press-0", "row=2 col=2 release-0", "row=2 col=2 press-0", "row=2 col=2 release-0"],
    );
    sgr.expect(
        &["right-click", "--row", "9", "--col", "299"],
        &["row=9 col=299 press-2", "row=9 col=299 release-2"],
    );
    sgr.expect(&["move", "--row", "0", "--col", "299"], &["row=0 col=299 motion"]);
    sgr.finish();
}

/// ncurses reads the reports through `curses.getmouse()` in every tracking mode: SGR
/// (ncurses 6 reads only SGR reports from an xterm, whatever its terminfo entry; columns
/// beyond 223 included), with buttons, modifiers, the wheel and motion. The bytes are
/// logged as `input_text` events, each result carrying its seq.
#[test]
fn curses_getmouse_reads_what_mouse_sends() {
    let t = TestHome::new();
    let mut sgr = Logger::start(&t, "1000", "sgr", "curses", "xterm-256color", 300);
    let result = sgr.expect(&["click", "--row", "5", "--col", "250"], &["row=5 col=250 BUTTON1_CLICKED"]);
    let seq = result["seq"].as_u64().unwrap();
    let event = at_seq(&t.checked_events(&sgr.id), seq).clone();
    assert_eq!(event["type"], "input_text", "{event}");
    assert_eq!(event["payload"], serde_json::json!({"data": "\u{1b}[<0;251;6M\u{1b}[<0;251;6m"}));
    sgr.expect(
        &["right-click", "--row", "2", "--col", "3", "--modifiers", "shift,ctrl"],
        &["row=2 col=3 BUTTON3_CLICKED|BUTTON_CTRL|BUTTON_SHIFT"],
    );
    sgr.expect(&["scroll", "--up", "2", "--row", "1", "--col", "1"], &["row=1 col=1 BUTTON4_PRESSED"; 2]);
    sgr.expect(&["scroll", "--down", "1", "--row", "1", "--col", "1"], &["row=1 col=1 BUTTON5_PRESSED"]);
    sgr.finish();

    let mut any = Logger::start(&t, "1003", "sgr", "curses", "xterm-256color", 80);
    any.expect(&["move", "--row", "4", "--col", "7"], &["row=4 col=7 REPORT_MOUSE_POSITION"]);
    any.finish();

    let mut button = Logger::start(&t, "1002", "sgr", "curses", "xterm-256color", 80);
    button.expect(
        &["click", "--row", "3", "--col", "9", "--modifiers", "alt"],
        &["row=3 col=9 BUTTON1_CLICKED|BUTTON_ALT"],
    );
    button.finish();

    let mut x10 = Logger::start(&t, "9", "sgr", "curses", "xterm-256color", 80);
    x10.expect(&["click", "--row", "2", "--col", "2"], &["row=2 col=2 BUTTON1_PRESSED"]);
    x10.finish();
}

/// A program without mouse reporting gets nothing (`MOUSE_NOT_ENABLED`, exit 2) unless
/// `--force` (SGR reports); `--wheel-as-keys` needs the alternate screen; a target that
/// is not on the screen is `INVALID_INPUT` with the screen's last lines or its size; bad
/// flags are `INVALID_INPUT` before the session is looked up; a batch step does the same.
#[test]
fn refusals_force_and_misses() {
    let t = TestHome::new();
    let mut off = Logger::start(&t, "off", "sgr", "raw", "xterm-256color", 80);
    let error = off.mouse(&["click", "--row", "1", "--col", "1"]).err("mouse", 2, "MOUSE_NOT_ENABLED");
    assert!(error["message"].as_str().unwrap().contains("--force"), "{error}");
    let human =
        t.at(&["mouse", &off.id, "click", "--row", "1", "--col", "1"]).human_err(2, "MOUSE_NOT_ENABLED");
    assert!(human.contains("has not enabled mouse reporting"), "{human}");
    let result = off.expect(
        &["click", "--on-text", "READY", "--force"],
        &["row=0 col=2 press-0", "row=0 col=2 release-0"],
    );
    assert_eq!((&result["tracking"], &result["encoding"]), (&"none".into(), &"sgr".into()));
    let error = off.mouse(&["scroll", "--down", "1", "--wheel-as-keys"]).err("mouse", 2, "MOUSE_NOT_ENABLED");
    assert!(error["message"].as_str().unwrap().contains("alternate screen"), "{error}");

    let error = off.mouse(&["click", "--on-text", "nowhere"]).err("mouse", 2, "INVALID_INPUT");
    assert_eq!(error["details"]["matches"], 0, "{error}");
    assert_eq!(error["details"]["lastLines"][0], "READY off sgr raw", "{error}");
    let human = t.at(&["mouse", &off.id, "click", "--on-text", "nowhere"]).human_err(2, "INVALID_INPUT");
    assert!(human.contains("READY off sgr raw"), "the human error shows the screen: {human}");
    let error =
        off.mouse(&["click", "--on-text", "READY", "--nth", "2", "--force"]).err("mouse", 2, "INVALID_INPUT");
    assert_eq!(error["details"]["matches"], 1, "{error}");
    let error =
        off.mouse(&["click", "--row", "30", "--col", "0", "--force"]).err("mouse", 2, "INVALID_INPUT");
    assert_eq!((&error["details"]["rows"], &error["details"]["cols"]), (&30.into(), &80.into()), "{error}");

    let plan =
        r#"[{"mouse":{"action":"double-click","row":1,"col":4,"force":true}},{"mouse":{"action":"click"}}]"#;
    let error = t.at(&["batch", &off.id, plan, "--json"]).err("batch", 2, "INVALID_INPUT");
    assert!(
        error["message"].as_str().unwrap().starts_with("Batch step 1: mouse click needs a target"),
        "{error}"
    );
    let plan = r#"[{"mouse":{"action":"double-click","row":1,"col":4,"modifiers":["shift"],"force":true}}]"#;
    let batch = t.at(&["batch", &off.id, plan, "--json"]).ok("batch");
    assert_eq!(
        (&batch["steps"][0]["kind"], &batch["steps"][0]["status"]),
        (&"mouse".into(), &"completed".into())
    );
    assert!(batch["steps"][0]["seq"].is_u64(), "{batch}");
    let press = "row=1 col=4 press-0 shift";
    let release = "row=1 col=4 release-0 shift";
    wait_until("the batch's double click", DEADLINE, || off.lines().len() >= off.seen + 4);
    assert_eq!(off.lines()[off.seen..], [press, release, press, release]);
    off.seen += 4;
    off.finish();

    for (args, message) in [
        (&["click"][..], "mouse click needs a target"),
        (&["click", "--row", "1"], "--row and --col go together"),
        (&["poke", "--row", "1", "--col", "1"], "invalid value 'poke'"),
        (&["scroll"], "needs --up N or --down N"),
        (&["drag", "--row", "1", "--col", "1"], "mouse drag needs where it ends"),
        (&["click", "--row", "1", "--col", "1", "--modifiers", "hyper"], "Unknown modifier: hyper"),
    ] {
        let mut all = vec!["mouse", "no-such-session"];
        all.extend_from_slice(args);
        all.push("--json");
        let error = t.at(&all).err("mouse", 2, "INVALID_INPUT");
        assert!(error["message"].as_str().unwrap().contains(message), "{args:?}: {error}");
    }
}

/// A vim session with `set mouse=a` on a numbered file.
fn vim(t: &TestHome) -> String {
    require("vim", "vim");
    let file = t.path("lines.txt");
    let text: String = (1..=60).map(|n| format!("line {n:02} abcdefghij\n")).collect();
    std::fs::write(&file, text).unwrap();
    let argv = ["vim", "-u", "NONE", "-N", "-c", "set mouse=a", file.to_str().unwrap()];
    let extra = ["--cols", "80", "--rows", "24", "--env", "TERM=xterm-256color"];
    let id = t.create(&extra, &argv)["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--text", "line 01 abcdefghij", "--screen-stable-ms", "200"]);
    id
}

/// vim with `set mouse=a`: a click moves the cursor to the clicked line and column, a
/// drag selects in visual mode, the wheel scrolls.
#[test]
fn vim_follows_clicks_drags_and_the_wheel() {
    let t = TestHome::new();
    let id = vim(&t);
    t.at(&["mouse", &id, "click", "--row", "5", "--col", "8", "--json"]).ok("mouse");
    t.wait_render(&id, &["--cursor-row", "5", "--cursor-col", "8"]);
    t.at(&["mouse", &id, "click", "--on-text", "line 10", "--json"]).ok("mouse");
    t.wait_render(&id, &["--cursor-row", "9", "--cursor-col", "3"]);

    t.at(&["mouse", &id, "drag", "--row", "2", "--col", "0", "--to-row", "2", "--to-col", "6", "--json"])
        .ok("mouse");
    t.wait_render(&id, &["--text=-- VISUAL --"]);
    t.wait_render(&id, &["--cursor-row", "2", "--cursor-col", "6"]);
    // Yank the selection and show the register: the dragged-over text.
    t.type_text(&id, "y:echo 'got:' . @\"\r");
    t.wait_render(&id, &["--text", "got:line 03"]);

    t.at(&["mouse", &id, "scroll", "--down", "2", "--json"]).ok("mouse");
    let moved =
        t.wait_render(&id, &["--regex", "^line (0[4-9]|1[0-9]) abcdefghij", "--screen-stable-ms", "200"]);
    let first = t.snapshot(&id, &[]);
    let top = line_texts(&first["visibleLines"])[0].clone();
    assert_ne!(top, "line 01 abcdefghij", "the wheel scrolled: {moved}");
    t.at(&["mouse", &id, "scroll", "--up", "5", "--json"]).ok("mouse");
    t.wait_render(&id, &["--regex", "^line 01 abcdefghij"]);
}

/// A numbered file in `less` (with or without `--mouse`).
fn less(t: &TestHome, mouse: bool) -> String {
    require("less", "less");
    let file = t.path("big.txt");
    let text: String = (1..=200).map(|n| format!("line {n:03} of the big file\n")).collect();
    std::fs::write(&file, text).unwrap();
    let mut argv = vec!["less"];
    if mouse {
        argv.push("--mouse");
    }
    argv.push(file.to_str().unwrap());
    let extra = ["--cols", "80", "--rows", "24", "--env", "TERM=xterm-256color"];
    let id = t.create(&extra, &argv)["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--regex", "^line 001 of the big file", "--screen-stable-ms", "100"]);
    id
}

/// `less --mouse`: the wheel scrolls the file. Plain `less` reads no mouse reports: the
/// wheel is refused unless `--wheel-as-keys`, which sends one arrow key per notch.
#[test]
fn less_scrolls_with_the_wheel() {
    let t = TestHome::new();
    let id = less(&t, true);
    let result = t.at(&["mouse", &id, "scroll", "--down", "2", "--json"]).ok("mouse");
    assert_eq!(result["encoding"], "sgr", "{result}");
    t.wait_render(&id, &["--regex", "^line 0(0[2-9]|[1-9][0-9]) of the big file"]);
    t.at(&["mouse", &id, "scroll", "--up", "10", "--json"]).ok("mouse");
    t.wait_render(&id, &["--regex", "^line 001 of the big file"]);

    let plain = less(&t, false);
    let error =
        t.at(&["mouse", &plain, "scroll", "--down", "2", "--json"]).err("mouse", 2, "MOUSE_NOT_ENABLED");
    assert!(error["message"].as_str().unwrap().contains("--wheel-as-keys"), "{error}");
    let result = t.at(&["mouse", &plain, "scroll", "--down", "2", "--wheel-as-keys", "--json"]).ok("mouse");
    assert_eq!((&result["sentAs"], &result["bytesWritten"]), (&"keys".into(), &6.into()), "{result}");
    t.wait_render(&plain, &["--regex", "^line 003 of the big file"]);
}

/// htop: a click on a column header sorts by that column.
#[test]
fn htop_sorts_by_the_clicked_header() {
    require("htop", "htop");
    let t = TestHome::new();
    let extra = ["--cols", "120", "--rows", "30", "--env", "TERM=xterm-256color"];
    let id = t.create(&extra, &["htop", "-d", "100"])["sessionId"].as_str().unwrap().to_string();
    t.wait_render(&id, &["--text", "PID USER"]);
    t.wait_render(&id, &["--regex", r"CPU%\S"]);
    let result = t.at(&["mouse", &id, "click", "--on-text", "MEM%", "--json"]).ok("mouse");
    assert_eq!(result["tracking"], "normal", "{result}");
    t.wait_render(&id, &["--regex", r"MEM%\S"]);
    t.wait_render(&id, &["--regex", r"CPU% "]);
}
