//! A generated log of a few MB for the tests of searches through checkpoints: coloured
//! build lines, and between them what a prefilter or a checkpoint start could get wrong
//! (a line hidden under the alternate screen while checkpoints are taken, REP of a
//! character erased before a checkpoint, DEC line drawing, DECALN, JSON escapes in both
//! hex cases, wide characters, resizes that pull lines back after a screen checkpoint,
//! synchronized output, garbage lines and a seq gap before and after checkpoints), with
//! the checkpoints a host (screen ones, no scrollback) and a replay (full ones) write.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use agent_tty_vt::Screen;

use crate::checkpoint::{self, Kind, Position};
use crate::event_stream::{Damage, LineReader, Sequencer, StreamEvent, parse_line};
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;

pub(crate) const ID: &str = "01M94WZCBG0WTJCRZXCEFT4127";

/// The session: created at 80x24.
pub(crate) fn record() -> SessionRecord {
    record_created(80, 24)
}

/// An exited session [`ID`] created at `cols` x `rows` (now 60x20, which a replay ignores).
pub(crate) fn record_created(cols: u16, rows: u16) -> SessionRecord {
    serde_json::from_value(serde_json::json!({
        "version": 1, "sessionId": ID, "createdAt": "2026-12-06T05:24:37.872Z",
        "updatedAt": "2026-12-06T05:24:38.039Z", "status": "exited", "command": ["cat"],
        "cwd": "/", "cols": 60, "rows": 20, "creationCols": cols, "creationRows": rows,
        "hostPid": null, "childPid": null, "exitCode": 0, "exitSignal": null
    }))
    .unwrap()
}

/// One line of the log.
enum Line {
    Output(String),
    /// An output line whose data is given already escaped (as another writer might).
    Escaped(&'static str),
    Resize(u16, u16),
    Marker,
    Garbage,
    /// The next event's seq skips one.
    Gap,
}

/// Coloured build lines, about `bytes` of them.
fn filler(counter: &mut u64, bytes: usize) -> Vec<Line> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    while (out.len() + 1) * 4000 <= bytes.max(4000) {
        *counter += 1;
        let n = *counter;
        chunk.push_str(&format!(
            "\u{1b}[3{}m[{n:>7}] compiling module_{} ... ok\u{1b}[0m\r\n",
            n % 8,
            n % 97
        ));
        if chunk.len() > 4000 {
            out.push(Line::Output(std::mem::take(&mut chunk)));
        }
    }
    if !chunk.is_empty() {
        out.push(Line::Output(chunk));
    }
    out
}

/// The script, and the text of a line that a resize pulls back from the scrollback.
fn script() -> (Vec<Line>, String) {
    let mut n = 0;
    let mut lines = Vec::new();
    let out = |s: &str| Line::Output(s.to_string());
    lines.extend(filler(&mut n, 1_000));
    lines.push(out("EARLY: disk full\r\n"));
    lines.push(Line::Garbage);
    lines.extend(filler(&mut n, 11_000));
    lines.push(out("say \"hi\" to C:\\temp\\x\r\n"));
    lines.push(out("\u{1b}(0lqqqqk\u{1b}(B a box\r\n"));
    lines.extend(filler(&mut n, 9_000));
    // `Q`, erased at once: only REP (after the host's next checkpoint) prints it again.
    lines.push(Line::Marker);
    lines.push(out("\r\nQ\u{8}\u{1b}[K"));
    lines.push(out("\u{1b}[6b\r\n"));
    lines.extend(filler(&mut n, 9_000));
    lines.push(out("HIDDEN: kept below\r\n"));
    lines.push(out("\u{1b}[?1049h\u{1b}[HTRANSIENT popup\r\n"));
    lines.extend(filler(&mut n, 30_000));
    lines.push(out("\u{1b}[?1049l"));
    lines.push(Line::Garbage);
    lines.extend(filler(&mut n, 11_000));
    lines.push(Line::Escaped("Gr\\u00fc\\u00DFe aus \\u6F22\\u5b57\\r\\n"));
    lines.push(Line::Gap);
    lines.extend(filler(&mut n, 11_000));
    lines.push(Line::Resize(60, 20));
    lines.extend(filler(&mut n, 15_000));
    // Rows scrolled off at 60x20 come back.
    let pulled_back = format!("[{:>7}]", n - 22);
    lines.push(Line::Resize(100, 30));
    lines.extend(filler(&mut n, 11_000));
    lines.push(out("\u{1b}#8"));
    lines.push(out("\u{1b}[2J\u{1b}[H"));
    lines.push(out("\u{1b}[?2026hsync: held\r\n"));
    lines.push(out("\u{1b}[?2026l"));
    lines.push(out("漢字テスト and é\r\n"));
    lines.extend(filler(&mut n, 11_000));
    lines.push(Line::Garbage);
    lines.push(Line::Resize(80, 24));
    lines.extend(filler(&mut n, 11_000));
    lines.push(out("\u{1b}[2J\u{1b}[H"));
    lines.extend(filler(&mut n, 7_000));
    lines.push(out("LATE: the end\r\n"));
    (lines, pulled_back)
}

/// Writes the log; returns the session's paths.
fn write_log(dir: &Path) -> (SessionPaths, String) {
    let paths = SessionPaths::new(&dir.join("home"), ID);
    std::fs::create_dir_all(&paths.dir).unwrap();
    let mut bytes = Vec::new();
    let mut seq = 0;
    let base = 1_796_000_000_000;
    let (script, pulled_back) = script();
    for line in script {
        let (kind, payload) = match line {
            Line::Output(data) => {
                let mut payload = b"{\"data\":".to_vec();
                crate::json_escape::push_json_string(&mut payload, &data);
                payload.push(b'}');
                ("output", String::from_utf8(payload).unwrap())
            }
            Line::Escaped(data) => ("output", format!("{{\"data\":\"{data}\"}}")),
            Line::Resize(cols, rows) => ("resize", format!("{{\"cols\":{cols},\"rows\":{rows}}}")),
            Line::Marker => ("marker", "{\"label\":\"m\"}".to_string()),
            Line::Garbage => {
                bytes.extend_from_slice(b"not json at all\n");
                continue;
            }
            Line::Gap => {
                seq += 1;
                continue;
            }
        };
        let ts = crate::time::format_iso(base + seq * 7);
        let line = format!("{{\"seq\":{seq},\"ts\":\"{ts}\",\"type\":\"{kind}\",\"payload\":{payload}}}\n");
        bytes.extend_from_slice(line.as_bytes());
        seq += 1;
    }
    std::fs::write(&paths.events, bytes).unwrap();
    (paths, pulled_back)
}

/// One event read back: where it is, the damage read up to it, what it does.
struct Read {
    position: Position,
    damage: Damage,
    event: Event,
}

enum Event {
    Output(String),
    Resize(u16, u16),
    Other,
}

fn read_back(paths: &SessionPaths) -> Vec<Read> {
    let file = File::open(&paths.events).unwrap();
    let mut lines = LineReader::new(BufReader::new(file));
    let mut damage = Damage::default();
    let mut sequencer = Sequencer::default();
    let mut out = Vec::new();
    while let Some(raw) = lines.next_line(&mut damage).unwrap() {
        let line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                damage.skip(raw.number, raw.last_unterminated, why);
                continue;
            }
        };
        let ts_ms = sequencer.admit(raw.number, line.seq, line.ts_ms, &mut damage).unwrap();
        let position = Position {
            seq: line.seq.get(),
            ts_ms,
            line: raw.number,
            offset: raw.end,
            line_len: raw.bytes.len() as u64,
        };
        let event = match line.event {
            StreamEvent::Output(data) => Event::Output(data.into_owned()),
            StreamEvent::Resize { cols, rows } => Event::Resize(cols, rows),
            StreamEvent::Other => Event::Other,
        };
        out.push(Read { position, damage: damage.clone(), event });
    }
    out
}

/// The generated log.
pub(crate) struct Generated {
    pub(crate) paths: SessionPaths,
    /// The Screen Hash after each event, by seq.
    pub(crate) hashes: Vec<(u64, String)>,
    /// A line that a resize pulls back from the scrollback.
    pub(crate) pulled_back: String,
}

/// Writes the log and its checkpoints: the host's screen ones every `host_interval`
/// bytes (and the first chance after the `Z` is erased), a replay's full ones every
/// `full_interval` bytes.
pub(crate) fn generate(dir: &Path, host_interval: u64, full_interval: u64) -> Generated {
    let (paths, pulled_back) = write_log(dir);
    let events = read_back(&paths);
    let log = File::open(&paths.events).unwrap();
    // The host: a screen without scrollback, rebuilt from the log when a resize can pull
    // lines back (as `host/history.rs` does).
    let mut live = Screen::with_scrollback(80, 24, agent_tty_vt::LIVE_SCROLLBACK_LINES);
    let mut next_at = host_interval;
    let mut after_marker = false;
    for read in &events {
        match &read.event {
            Event::Output(data) => {
                live.feed(data.as_bytes(), read.position.ts_ms);
                if (read.position.offset >= next_at || after_marker)
                    && let Some(bytes) = live.checkpoint()
                {
                    checkpoint::write(&paths, Kind::Screen, &log, &read.position, &read.damage, &bytes)
                        .unwrap();
                    next_at = read.position.offset + host_interval;
                    after_marker = false;
                }
            }
            Event::Resize(cols, rows) => {
                let (now_cols, now_rows) = live.size();
                if *cols > now_cols || *rows > now_rows {
                    let replayed = crate::replay::replay(&paths, &record(), Some(read.position.seq)).unwrap();
                    live.adopt(replayed.screen);
                }
                live.resize(*cols, *rows);
            }
            Event::Other => after_marker = true,
        }
    }
    // A replay: the full screen, checkpointed as it goes.
    let mut screen = Screen::new(80, 24);
    let mut taker = checkpoint::Taker::new(&paths, 0, Damage::default(), full_interval).unwrap();
    let mut hashes = Vec::new();
    for read in &events {
        match &read.event {
            Event::Output(data) => {
                screen.feed(data.as_bytes(), read.position.ts_ms);
                taker.set_damage(read.damage.clone());
                taker.after(&paths, &mut screen, &read.position);
            }
            Event::Resize(cols, rows) => screen.resize(*cols, *rows),
            Event::Other => {}
        }
        let lines = screen.visible_lines();
        hashes.push((
            read.position.seq,
            agent_tty_vt::screen_hash(&lines.iter().map(String::as_str).collect::<Vec<_>>()),
        ));
    }
    Generated { paths, hashes, pulled_back }
}

/// Runs `f` with the checkpoints moved away (a read of the whole log), then puts them back.
pub(crate) fn without_checkpoints<T>(paths: &SessionPaths, f: impl FnOnce() -> T) -> T {
    let dir = checkpoint::dir(paths);
    let saved = paths.dir.join("saved-checkpoints");
    std::fs::rename(&dir, &saved).unwrap();
    let result = f();
    std::fs::rename(&saved, &dir).unwrap();
    result
}
