//! `record export --from-seq/--from-time/--to-seq/--to-time`: a clip of a session. The
//! asciicast clip opens with a frame that redraws the screen as it was at the start (fed
//! to a fresh terminal it gives what an offline replay up to that seq gives), holds
//! nothing after the end and plays in asciinema; video clips start with the picture at
//! the start (the same pixels as the whole video shows there) and are shorter; points
//! outside the log and reversed ranges are `INVALID_INPUT`; clips of destroyed sessions
//! work offline.

use std::path::Path;
use std::process::Command;

use agent_tty_core::replay::replay;
use agent_tty_vt::{Screen, SnapshotOptions};
use serde_json::Value;

use crate::support::*;

fn ms_of(event: &Value) -> u64 {
    agent_tty_core::time::parse_iso(event["ts"].as_str().unwrap()).unwrap()
}

/// The artifact manifest's entries.
fn manifest_entries(t: &TestHome, id: &str) -> Vec<Value> {
    let path = t.session_dir(id).join("artifacts/manifest.json");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    manifest["artifacts"].as_array().unwrap().clone()
}

/// The screen an offline replay of the session's log up to `seq` shows.
fn replayed_lines(t: &TestHome, id: &str, seq: u64) -> Vec<String> {
    let (paths, record) = agent_tty_core::session::find(&t.home, id).unwrap();
    let replayed = replay(&paths, &record, Some(seq)).unwrap();
    assert_eq!(replayed.last_seq, Some(seq));
    replayed.screen.visible_lines()
}

/// The cast's header and frames.
fn read_cast(path: &Path) -> (Value, Vec<Value>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    (header, lines.map(|l| serde_json::from_str(l).unwrap()).collect())
}

#[test]
fn asciicast_clip_opens_with_the_screen_at_from_and_stops_at_to() {
    let t = TestHome::new();
    let id = t.bash_with(&["--cols", "60", "--rows", "12"]);
    let mut after_phase = Vec::new();
    for k in 1..=5 {
        t.run_cmd(&id, &format!("printf '\\033[1;3{k}mphase-{k}\\033[0m \\033[7mnumbered\\033[0m 漢字\\n'"));
        if k == 3 {
            t.at(&["resize", &id, "--cols", "70", "--rows", "14", "--json"]).ok("resize");
        }
        after_phase.push(t.last_seq(&id));
    }
    let (from, to) = (after_phase[1], after_phase[3]);
    let events = t.checked_events(&id);

    let args = ["record", "export", &id, "--format", "asciicast", "--json"];
    let clip_args = ["--from-seq", &from.to_string(), "--to-seq", &to.to_string()];
    let result = t.at(&[&args[..], &clip_args[..]].concat()).ok("record export");
    assert_keys(&result, &CLIP_RESULT_KEYS);
    assert_eq!((result["fromSeq"].as_u64(), result["toSeq"].as_u64()), (Some(from), Some(to)));
    assert_eq!(result["capturedAtSeq"], to);
    let from_ms = ms_of(at_seq(&events, from));
    assert_eq!(result["durationMs"], ms_of(at_seq(&events, to)) - from_ms);
    let path = Path::new(result["artifactPath"].as_str().unwrap()).to_path_buf();
    assert_eq!(path, t.session_dir(&id).join(format!("artifacts/recording-{from}-{to}-asciicast.cast")));

    // `--from`/`--to` take a seq or a time: the same clip.
    let same = t
        .at(&[&args[..], &["--from", &from.to_string(), "--to", &to.to_string()][..]].concat())
        .ok("record export");
    assert_eq!(same["sha256"], result["sha256"], "--from/--to as seqs make the same clip");
    t.at(&[&args[..], &["--from", "1", "--from-seq", "1"][..]].concat()).exit(2);

    let (header, frames) = read_cast(&path);
    // The screen at `from` is 60x12 (the resize came after phase 3).
    assert_eq!((header["width"].as_u64(), header["height"].as_u64()), (Some(60), Some(12)));
    assert_eq!(header["timestamp"], from_ms / 1000);
    assert_eq!((&frames[0][0], &frames[0][1]), (&serde_json::json!(0), &serde_json::json!("o")));
    // The first frame alone paints the screen as it was at `from`…
    let mut screen = Screen::new(60, 12);
    screen.feed(frames[0][2].as_str().unwrap().as_bytes(), 0);
    let at_from = replayed_lines(&t, &id, from);
    assert!(at_from.iter().any(|l| l.starts_with("phase-2 numbered 漢字")), "{at_from:?}");
    assert_eq!(screen.visible_lines(), at_from);
    // …with its colours: the styled cells match the replay's.
    let (paths, record) = agent_tty_core::session::find(&t.home, &id).unwrap();
    let cells = SnapshotOptions { scrollback: false, cells: true };
    let replayed = replay(&paths, &record, Some(from)).unwrap().screen.snapshot(cells);
    assert_eq!(screen.snapshot(cells).cells, replayed.cells);
    // All frames together give the screen at `to`, and nothing after it.
    let mut times = Vec::new();
    for frame in &frames[1..] {
        times.push(frame[0].as_f64().unwrap());
        match frame[1].as_str().unwrap() {
            "o" => screen.feed(frame[2].as_str().unwrap().as_bytes(), 0),
            "r" => {
                let (cols, rows) = frame[2].as_str().unwrap().split_once('x').unwrap();
                screen.resize(cols.parse().unwrap(), rows.parse().unwrap());
            }
            _ => {}
        }
    }
    assert!(times.windows(2).all(|w| w[0] <= w[1]) && times.iter().all(|&s| s >= 0.0), "{times:?}");
    assert!(frames.iter().any(|f| f[1] == "r" && f[2] == "70x14"), "the resize inside the clip");
    assert_eq!(screen.visible_lines(), replayed_lines(&t, &id, to));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("phase-4") && !text.contains("phase-5"), "{text}");
    let later: Vec<&Value> = frames[1..].iter().filter(|f| f[1] == "o").collect();
    assert!(!later.iter().any(|f| f[2].as_str().unwrap().contains("phase-2")), "phase 2 only in the opening");

    let entry = &manifest_entries(&t, &id)[0];
    assert_eq!(entry["kind"], "recording");
    assert_eq!(entry["capturedAtSeq"], to);
    assert_eq!(
        (entry["metadata"]["fromSeq"].as_u64(), entry["metadata"]["toSeq"].as_u64()),
        (Some(from), Some(to))
    );

    if optional("asciinema", "asciinema", "the asciinema cat check of a clip") {
        let cat = Command::new("asciinema").arg("cat").arg(&path).output().unwrap();
        assert!(cat.status.success(), "asciinema cat failed: {}", String::from_utf8_lossy(&cat.stderr));
        let shown = String::from_utf8_lossy(&cat.stdout);
        assert!(shown.contains("phase-2") && shown.contains("phase-4") && !shown.contains("phase-5"));
    }

    let human_args = ["record", "export", &id, "--format", "asciicast"];
    let human = t.at(&[&human_args[..], &clip_args[..]].concat()).human_ok().to_string();
    assert_eq!(human.lines().last(), Some(format!("Clip: seq {from} to {to}").as_str()), "{human}");

    // Offline after destroy: the same clip, byte for byte.
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = t.at(&[&args[..], &clip_args[..]].concat()).ok("record export");
    assert_eq!(offline["sha256"], result["sha256"]);

    // Only an end: the log's start as in the whole export, at the creation size.
    let head = t.at(&[&args[..], &["--to-seq", &from.to_string()][..]].concat()).ok("record export");
    assert_eq!((head["fromSeq"].as_u64(), head["toSeq"].as_u64()), (Some(0), Some(from)));
    let (header, frames) = read_cast(Path::new(head["artifactPath"].as_str().unwrap()));
    assert_eq!((header["width"].as_u64(), header["height"].as_u64()), (Some(60), Some(12)));
    let mut screen = Screen::new(60, 12);
    for frame in frames.iter().filter(|f| f[1] == "o") {
        screen.feed(frame[2].as_str().unwrap().as_bytes(), 0);
    }
    assert_eq!(screen.visible_lines(), at_from);

    // Without clip flags: the whole export, no clip keys.
    let whole = t.at(&args).ok("record export");
    assert!(whole.get("fromSeq").is_none() && whole.get("toSeq").is_none(), "{whole}");
    assert_eq!(whole["capturedAtSeq"], t.checked_events(&id).last().unwrap()["seq"]);
}

/// A destroyed session whose log is replaced by `frames` outputs 500 ms apart from
/// 10:00:01, each clearing the screen and printing `frame <k>` in colour.
fn crafted_session(t: &TestHome, frames: u64) -> String {
    let id = t.bash();
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let mut log = String::new();
    for k in 0..frames {
        let ms = 1_000 + k * 500;
        let ts = format!("2026-11-26T10:00:{:02}.{:03}Z", ms / 1000, ms % 1000);
        let data = format!("\\u001b[H\\u001b[2J\\u001b[3{}mframe {k}\\u001b[0m\\r\\n", 1 + k % 6);
        log.push_str(&format!(
            "{{\"seq\":{k},\"ts\":\"{ts}\",\"type\":\"output\",\"payload\":{{\"data\":\"{data}\"}}}}\n"
        ));
    }
    std::fs::write(t.session_dir(&id).join("events.jsonl"), log).unwrap();
    id
}

/// The GIF's frames as full RGBA pictures (each composed over the one before).
fn gif_pictures(path: &Path) -> Vec<Vec<u8>> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(std::fs::File::open(path).unwrap()).unwrap();
    let width = usize::from(decoder.width());
    let mut screen = vec![0u8; width * usize::from(decoder.height()) * 4];
    let mut pictures = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        let (left, top) = (usize::from(frame.left), usize::from(frame.top));
        for y in 0..usize::from(frame.height) {
            for x in 0..usize::from(frame.width) {
                let src = (y * usize::from(frame.width) + x) * 4;
                if frame.buffer[src + 3] != 0 {
                    let dst = ((top + y) * width + left + x) * 4;
                    screen[dst..dst + 4].copy_from_slice(&frame.buffer[src..src + 4]);
                }
            }
        }
        pictures.push(screen.clone());
    }
    pictures
}

fn video_formats() -> Vec<&'static str> {
    if agent_tty_render::video::webm_unavailable().is_none() { vec!["gif", "webm"] } else { vec!["gif"] }
}

#[test]
fn video_clips_start_with_the_picture_at_from_and_are_shorter() {
    let t = TestHome::new();
    let id = crafted_session(&t, 8);
    for format in video_formats() {
        let args = ["record", "export", &id, "--format", format, "--json"];
        let whole = t.at(&args).ok("record export");
        let clip = t.at(&[&args[..], &["--from-seq", "3", "--to-seq", "5"][..]].concat()).ok("record export");
        assert_keys(&clip, &CLIP_RESULT_KEYS);
        assert_eq!((clip["fromSeq"].as_u64(), clip["toSeq"].as_u64()), (Some(3), Some(5)));
        assert_eq!(clip["capturedAtSeq"], 5);
        assert_eq!(clip["durationMs"], 1_000);
        assert_eq!(clip["metadata"]["outputEventCount"], 2, "the events after the start");
        let path = Path::new(clip["artifactPath"].as_str().unwrap()).to_path_buf();
        assert_eq!(path, t.session_dir(&id).join(format!("artifacts/recording-3-5-{format}.{format}")));
        let entry = manifest_entries(&t, &id).pop().unwrap();
        assert_eq!(entry["metadata"]["fromSeq"], 3);
        // Frames: 3 (the opening), 4, 5; then the final hold.
        assert_eq!(entry["metadata"]["videoDurationMs"], 2_000, "{entry}");
        let whole_path = Path::new(whole["artifactPath"].as_str().unwrap());
        if format == "gif" {
            let (whole, clip) = (gif_pictures(whole_path), gif_pictures(&path));
            assert_eq!((whole.len(), clip.len()), (8, 3));
            assert!(clip == whole[3..6], "the clip's pictures are the whole video's from frame 3 on");
        } else if ffprobe_available("the clip's duration and first frame") {
            let duration = |p: &Path| -> f64 {
                let out = Command::new("ffprobe")
                    .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
                    .arg(p)
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
            };
            let (whole_s, clip_s) = (duration(whole_path), duration(&path));
            assert!((clip_s - 2.0).abs() < 0.05 && whole_s > clip_s + 2.0, "{clip_s} s of {whole_s} s");
            ocr_first_frame(&t, &path, "frame 3");
        }
    }
    // Offsets in time: +1s after the start is seq 2, -1s before the end seq 5.
    let args =
        ["record", "export", &id, "--format", "gif", "--from-time", "+1s", "--to-time", "-1s", "--json"];
    let clip = t.at(&args).ok("record export");
    assert_eq!((clip["fromSeq"].as_u64(), clip["toSeq"].as_u64()), (Some(2), Some(5)));
    let iso = ["--from-time", "2026-11-26T10:00:03.000Z", "--to-time", "2026-11-26T10:00:03.999Z"];
    let clip = t.at(&[&["record", "export", &id, "--format", "gif", "--json"][..], &iso[..]].concat());
    let clip = clip.ok("record export");
    assert_eq!((clip["fromSeq"].as_u64(), clip["toSeq"].as_u64()), (Some(4), Some(5)));
}

fn ffprobe_available(check: &str) -> bool {
    optional("ffprobe", "ffmpeg", check) && optional("ffmpeg", "ffmpeg", check)
}

/// With tesseract installed, OCR of the video's first frame finds `token`.
fn ocr_first_frame(t: &TestHome, video: &Path, token: &str) {
    if !optional("tesseract", "tesseract-ocr", "OCR of the clip's first frame") {
        return;
    }
    let frame = grab_frame(t, video, false, "first.png");
    let text = ocr_text(&frame);
    assert!(text.contains(token), "OCR of the first frame lacks {token:?}: {text}");
}

#[test]
fn bad_ranges_are_invalid_input() {
    let t = TestHome::new();
    let id = crafted_session(&t, 4);
    let export = |extra: &[&str]| {
        let base = ["record", "export", &id, "--format", "asciicast", "--json"];
        t.at(&[&base[..], extra].concat())
    };
    let error = export(&["--from-seq", "9"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("valid seqs are 0–3"), "{error}");
    assert_eq!(error["details"]["lastSeq"], 3);
    let error = export(&["--from-seq", "3", "--to-seq", "1"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("after its end"), "{error}");
    assert_eq!(
        (error["details"]["fromSeq"].as_u64(), error["details"]["toSeq"].as_u64()),
        (Some(3), Some(1))
    );
    let error = export(&["--to-time", "2026-11-26T09:00:00.000Z"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("outside the session's event log"), "{error}");
    let error = export(&["--from-time", "-1h"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("before the end"), "{error}");
    let error = export(&["--from-seq", "1", "--from-time", "+1s"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("mutually exclusive"), "{error}");
    let error = export(&["--to-seq", "-2"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("non-negative integer"), "{error}");
    let error = export(&["--to-time", "yesterday"]).err("record export", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("ISO time"), "{error}");
    // Nothing was written.
    assert!(!t.session_dir(&id).join("artifacts/manifest.json").exists());
}
