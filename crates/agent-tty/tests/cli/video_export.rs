//! `record export --format webm|gif`: real sessions replayed into video files that real
//! clients read back — `ffprobe`/`ffmpeg` for WebM (codec, size, duration, every frame
//! decodes, OCR of the last frame), the `gif` decoder for GIF (frame count, delays,
//! exact colours) — plus the timing modes on a log with known gaps, the result and
//! manifest shapes, `--out`, and a build without libvpx saying so.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

const RESULT_METADATA_KEYS: [&str; 8] = [
    "width",
    "height",
    "profileName",
    "renderProfileHash",
    "timingMode",
    "rendererBackend",
    "outputEventCount",
    "resizeEventCount",
];

/// The artifact manifest's entries.
fn artifacts(t: &TestHome, id: &str) -> Vec<Value> {
    let path = t.session_dir(id).join("artifacts/manifest.json");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    manifest["artifacts"].as_array().unwrap().clone()
}

/// Whether this build writes WebM; when it does not, the export must say why.
fn webm_built() -> bool {
    agent_tty_render::video::webm_unavailable().is_none()
}

/// The video formats this build writes (GIF always, WebM with libvpx).
fn video_formats() -> Vec<&'static str> {
    if webm_built() { vec!["gif", "webm"] } else { vec!["gif"] }
}

/// Asserts the session's artifacts directory holds nothing but the manifest.
fn assert_only_manifest(t: &TestHome, id: &str) {
    let files: Vec<_> = std::fs::read_dir(t.session_dir(id).join("artifacts"))
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(files.iter().all(|f| f == "manifest.json"), "{files:?}");
}

/// ffprobe (and ffmpeg, from the same package) for the optional playback checks.
fn ffprobe_available(check: &str) -> bool {
    optional("ffprobe", "ffmpeg", check) && optional("ffmpeg", "ffmpeg", check)
}

fn ffprobe(path: &Path, args: &[&str]) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json"])
        .args(args)
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A destroyed session whose log is replaced by `frames` outputs `gap_ms` apart, each
/// clearing the screen and printing `frame <k>`.
fn crafted_session(t: &TestHome, frames: u64, gap_ms: u64) -> String {
    let id = t.bash();
    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let mut log = String::new();
    for k in 0..frames {
        let ms = 1_000 + k * gap_ms;
        let ts = format!("2026-11-26T10:{:02}:{:02}.{:03}Z", ms / 60_000, ms / 1000 % 60, ms % 1000);
        let data = format!("\\u001b[H\\u001b[2Jframe {k}\\r\\n");
        log.push_str(&format!(
            "{{\"seq\":{k},\"ts\":\"{ts}\",\"type\":\"output\",\"payload\":{{\"data\":\"{data}\"}}}}\n"
        ));
    }
    std::fs::write(t.session_dir(&id).join("events.jsonl"), log).unwrap();
    id
}

#[test]
fn webm_of_a_real_session_plays_in_ffprobe_and_shows_the_text() {
    let t = TestHome::new();
    let id = t.bash_with(&["--cols", "80", "--rows", "24"]);
    t.run_cmd(&id, "printf '\\033[1;32mwebm-green\\033[0m webm-token\\n'");
    t.at(&["resize", &id, "--cols", "100", "--rows", "30", "--json"]).ok("resize");
    t.run_cmd(&id, "echo resized-token");
    let out = t.at(&["record", "export", &id, "--format", "webm", "--json"]);
    if !webm_built() {
        let error = out.err("record export", 7, "EXPORT_ERROR");
        assert!(error["message"].as_str().unwrap().contains("libvpx"), "{error}");
        eprintln!("this build has no libvpx; checked its EXPORT_ERROR only");
        return;
    }
    let result = out.ok("record export");
    // A whole export's keys: a clip's without `fromSeq` and `toSeq`.
    assert_keys(&result, &CLIP_RESULT_KEYS[..8]);
    assert_keys(&result["metadata"], &RESULT_METADATA_KEYS);
    assert_eq!(result["format"], "webm");
    assert_eq!(
        (result["metadata"]["width"].as_u64(), result["metadata"]["height"].as_u64()),
        (Some(100), Some(30))
    );
    assert_eq!(result["metadata"]["timingMode"], "recorded");
    assert_eq!(result["metadata"]["rendererBackend"], "agent-tty-render");
    let events = t.checked_events(&id);
    let last_seq = events.last().unwrap()["seq"].as_u64().unwrap();
    assert_eq!(result["capturedAtSeq"], last_seq);
    let path = Path::new(result["artifactPath"].as_str().unwrap()).to_path_buf();
    assert_eq!(path, t.session_dir(&id).join(format!("artifacts/recording-{last_seq}-webm.webm")));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(result["bytes"], bytes.len() as u64);
    assert_eq!(result["sha256"], sha256_hex(&bytes));
    assert_eq!(&bytes[..4], [0x1A, 0x45, 0xDF, 0xA3], "EBML magic");

    let entry = &artifacts(&t, &id)[0];
    assert_eq!(entry["kind"], "video");
    assert_eq!(entry["sha256"], result["sha256"]);
    let meta = &entry["metadata"];
    assert_eq!(meta["format"], "webm");
    assert_eq!(meta["outputPath"], path.to_str().unwrap());
    assert_eq!(meta["codec"], "vp9");
    // The frame fits the largest size the terminal reached.
    assert_eq!((meta["pixelWidth"].as_u64(), meta["pixelHeight"].as_u64()), (Some(800), Some(480)));
    assert!(meta["frameCount"].as_u64().unwrap() >= 2, "{meta}");

    if !ffprobe_available("the playback checks") {
        return;
    }
    let probe = ffprobe(
        &path,
        &["-count_frames", "-show_entries", "stream=codec_name,width,height,nb_read_frames:format=duration"],
    );
    let stream = &probe["streams"][0];
    assert_eq!(stream["codec_name"], "vp9");
    assert_eq!((stream["width"].as_u64(), stream["height"].as_u64()), (Some(800), Some(480)));
    let decoded: u64 = stream["nb_read_frames"].as_str().unwrap().parse().unwrap();
    assert!(decoded >= meta["frameCount"].as_u64().unwrap(), "{probe}");
    let duration: f64 = probe["format"]["duration"].as_str().unwrap().parse().unwrap();
    let expected = meta["videoDurationMs"].as_f64().unwrap() / 1000.0;
    assert!((duration - expected).abs() < 0.05, "ffprobe says {duration} s, export says {expected} s");
    // Every frame decodes without an error.
    let decode =
        Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&path).args(["-f", "null", "-"]).output();
    let decode = decode.expect("ffmpeg runs");
    assert!(
        decode.status.success() && decode.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&decode.stderr)
    );
    ocr_last_frame(&t, &path, &["webm-token", "resized-token"]);
}

/// With tesseract installed, OCR of the video's last frame recovers `tokens`.
fn ocr_last_frame(t: &TestHome, video: &Path, tokens: &[&str]) {
    if !optional("tesseract", "tesseract-ocr", "OCR of the video") || !ffprobe_available("OCR of the video") {
        return;
    }
    let frame = grab_frame(t, video, true, "last.png");
    let text = ocr_text(&frame);
    for token in tokens {
        assert!(text.contains(token), "OCR of the last frame lacks {token:?}: {text}");
    }
}

#[test]
fn timing_modes_follow_the_log_gaps() {
    let t = TestHome::new();
    // Five screens 2.5 s apart: recorded keeps the gaps, accelerated clamps them to
    // 400 ms, max-speed holds each screen 16 ms; the last is held 1 s (500 ms max-speed).
    let id = crafted_session(&t, 5, 2_500);
    // GIF cannot show frames closer than 20 ms, so its max-speed hold is 20 ms.
    for format in video_formats() {
        let min_hold = if format == "gif" { 20 } else { 16 };
        let cases = [
            ("recorded", 4 * 2_500 + 1_000),
            ("accelerated", 4 * 400 + 1_000),
            ("max-speed", 4 * min_hold + 500),
        ];
        for (mode, video_ms) in cases {
            let out_path = t.path(&format!("{mode}.{format}"));
            let result = t
                .at(&[
                    "record",
                    "export",
                    &id,
                    "--format",
                    format,
                    "--timing",
                    mode,
                    "--out",
                    out_path.to_str().unwrap(),
                    "--json",
                ])
                .ok("record export");
            assert_eq!(result["metadata"]["timingMode"], mode);
            assert_eq!(result["durationMs"], 4 * 2_500, "the event span, whatever the mode");
            assert_eq!(result["metadata"]["outputEventCount"], 5);
            let entries = artifacts(&t, &id);
            let meta = &entries.last().unwrap()["metadata"];
            assert_eq!(meta["videoDurationMs"], video_ms, "{format} {mode}");
            assert_eq!(meta["frameCount"], 5, "{format} {mode}: one frame per screen");
            if format == "gif" {
                check_gif(&out_path, 5, video_ms);
            } else if ffprobe_available("the duration check") {
                let probe = ffprobe(&out_path, &["-show_entries", "format=duration"]);
                let duration: f64 = probe["format"]["duration"].as_str().unwrap().parse().unwrap();
                let expected = video_ms as f64 / 1000.0;
                assert!((duration - expected).abs() < 0.02, "{mode}: {duration} s vs {expected} s");
            }
        }
    }
}

/// Decodes a GIF: `frames` frames whose delays add up to `video_ms`, the profile's
/// background colour exact, and the last frame's text drawn in the foreground colour.
fn check_gif(path: &Path, frames: usize, video_ms: u64) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(std::fs::File::open(path).unwrap()).unwrap();
    let (width, height) = (usize::from(decoder.width()), usize::from(decoder.height()));
    assert_eq!((width, height), (640, 384), "80x24 cells of 8x16 px");
    let mut screen = vec![0u8; width * height * 4];
    let (mut count, mut delay_cs) = (0, 0u64);
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        count += 1;
        delay_cs += u64::from(frame.delay);
        let (left, top) = (usize::from(frame.left), usize::from(frame.top));
        for y in 0..usize::from(frame.height) {
            for x in 0..usize::from(frame.width) {
                let src = (y * usize::from(frame.width) + x) * 4;
                if frame.buffer[src + 3] == 0 {
                    continue;
                }
                let dst = ((top + y) * width + left + x) * 4;
                screen[dst..dst + 4].copy_from_slice(&frame.buffer[src..src + 4]);
            }
        }
    }
    assert_eq!(count, frames, "{}", path.display());
    assert_eq!(delay_cs * 10, video_ms, "{}", path.display());
    // reference-dark: background #1e1e2e everywhere below the text, foreground #cdd6f4.
    let pixel = |x: usize, y: usize| &screen[(y * width + x) * 4..(y * width + x) * 4 + 3];
    assert_eq!(pixel(width - 1, height - 1), [0x1e, 0x1e, 0x2e]);
    let text_row: Vec<&[u8]> =
        (0..8 * 7).flat_map(|x| (0..16).map(move |y| (x, y))).map(|(x, y)| pixel(x, y)).collect();
    assert!(text_row.iter().any(|p| *p == [0xcd, 0xd6, 0xf4]), "'frame 4' drawn in the foreground colour");
}

#[test]
fn gif_and_webm_out_files_are_healthy_artifacts() {
    let t = TestHome::new();
    let id = t.bash();
    t.run_cmd(&id, "echo out-token");
    let dir = tempfile::tempdir().unwrap();
    for format in video_formats() {
        let out = dir.path().join(format!("clip.{format}"));
        let result = t
            .at(&["record", "export", &id, "--format", format, "--out", out.to_str().unwrap(), "--json"])
            .ok("record export");
        let real = dir.path().canonicalize().unwrap().join(format!("clip.{format}"));
        assert_eq!(result["artifactPath"], real.to_str().unwrap());
        assert_eq!(result["sha256"], sha256_hex(&std::fs::read(&real).unwrap()));
        let entries = artifacts(&t, &id);
        let entry = entries.last().unwrap();
        assert_eq!(entry["filename"], format!("clip.{format}"));
        assert_eq!(entry["metadata"]["outputPath"], real.to_str().unwrap());
    }
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["artifacts"]["health"], "healthy", "{}", inspected["artifacts"]);
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(t.session_dir(&id).join("artifacts")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn empty_and_corrupt_logs_fail_without_leaving_files() {
    let t = TestHome::new();
    let id = crafted_session(&t, 0, 0);
    for format in video_formats() {
        let error = t.at(&["record", "export", &id, "--format", format, "--json"]).err(
            "record export",
            7,
            "EXPORT_ERROR",
        );
        assert!(error["details"]["reason"].as_str().unwrap().contains("no events"), "{error}");
    }
    let log = t.session_dir(&id).join("events.jsonl");
    std::fs::write(
        &log,
        "{\"seq\":0,\"ts\":\"2026-11-26T10:00:00.000Z\",\"type\":\"output\",\"payload\":{\"data\":\"x\"}}\nnot json\n",
    )
    .unwrap();
    // A damaged line is skipped and reported (0.5 failed the export) ...
    let out = t.at(&["record", "export", &id, "--format", "gif", "--json"]).ok("record export");
    assert_eq!(out["damage"]["firstBadLine"], 2, "{out}");
    // ... and a log with nothing usable fails, saying why.
    std::fs::write(&log, "not json\n").unwrap();
    let error =
        t.at(&["record", "export", &id, "--format", "gif", "--json"]).err("record export", 7, "EXPORT_ERROR");
    assert!(error["details"]["reason"].as_str().unwrap().contains("line 1"), "{error}");
    let manifest = t.session_dir(&id).join("artifacts/manifest.json");
    let entries: Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    assert_eq!(entries["artifacts"].as_array().unwrap().len(), 1, "only the successful export");
}

#[test]
fn huge_terminals_clock_jumps_and_directory_outputs_fail_cleanly() {
    let t = TestHome::new();
    let id = crafted_session(&t, 2, 100);
    let log = t.session_dir(&id).join("events.jsonl");
    let original = std::fs::read_to_string(&log).unwrap();
    // A resize to 3000x2000 cells would be a 24000x32000 px video: refused up front.
    let resize = "{\"seq\":2,\"ts\":\"2026-11-26T10:00:02.000Z\",\"type\":\"resize\",\"payload\":{\"cols\": 3000, \"rows\": 2000}}\n";
    std::fs::write(&log, original.clone() + resize).unwrap();
    for format in video_formats() {
        let error = t.at(&["record", "export", &id, "--format", format, "--json"]).err(
            "record export",
            7,
            "EXPORT_ERROR",
        );
        assert!(error["details"]["reason"].as_str().unwrap().contains("megapixels"), "{error}");
    }
    assert_only_manifest(&t, &id);
    // A gap of years (a clock jump) in recorded timing: refused, accelerated works.
    let jump = "{\"seq\":2,\"ts\":\"2031-01-01T00:00:00.000Z\",\"type\":\"output\",\"payload\":{\"data\":\"later\"}}\n";
    std::fs::write(&log, original + jump).unwrap();
    let error =
        t.at(&["record", "export", &id, "--format", "gif", "--json"]).err("record export", 7, "EXPORT_ERROR");
    assert!(error["details"]["reason"].as_str().unwrap().contains("--timing accelerated"), "{error}");
    assert_only_manifest(&t, &id);
    let result = t
        .at(&["record", "export", &id, "--format", "gif", "--timing", "accelerated", "--json"])
        .ok("record export");
    assert_eq!(result["capturedAtSeq"], 2);
    // --out naming an existing directory is an EXPORT_ERROR before any work.
    let dir = t.path("clip.gif");
    std::fs::create_dir(&dir).unwrap();
    let error = t
        .at(&["record", "export", &id, "--format", "gif", "--out", dir.to_str().unwrap(), "--json"])
        .err("record export", 7, "EXPORT_ERROR");
    assert_eq!(error["details"]["out"], dir.to_str().unwrap());
    assert!(dir.is_dir());
}
