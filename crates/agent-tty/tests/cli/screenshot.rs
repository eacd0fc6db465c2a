//! `screenshot`: native PNG rendering into the artifacts directory (03 §1–§3).

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{TestHome, assert_iso, assert_keys, assert_ulid, sha256_hex};

const RESULT_KEYS: [&str; 13] = [
    "sessionId",
    "capturedAtSeq",
    "profileName",
    "cols",
    "rows",
    "artifactPath",
    "pngSizeBytes",
    "cursorVisible",
    "rendererBackend",
    "pixelWidth",
    "pixelHeight",
    "sha256",
    "renderProfileHash",
];

/// Decodes a PNG: (width, height, RGB bytes).
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    // Screenshots with at most 256 colours are palette PNGs: expand them to RGB.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn shot(t: &TestHome, id: &str, extra: &[&str]) -> Value {
    let mut args = vec!["screenshot", id, "--json"];
    args.extend_from_slice(extra);
    t.at(&args).ok("screenshot")
}

#[test]
fn result_artifact_and_manifest() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo shot-$((6*7))", "shot-42");
    let result = shot(&t, &id, &[]);
    let keys: Vec<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, RESULT_KEYS, "result fields in spec order");
    assert_eq!(result["sessionId"], id.as_str());
    assert_eq!(result["profileName"], "reference-dark");
    assert_eq!((result["cols"].clone(), result["rows"].clone()), (json!(80), json!(24)));
    assert_eq!((result["pixelWidth"].clone(), result["pixelHeight"].clone()), (json!(640), json!(384)));
    assert_eq!(result["cursorVisible"], false);
    assert_eq!(result["rendererBackend"], "agent-tty-render");
    let seq = result["capturedAtSeq"].as_u64().unwrap();
    let path = t.session_dir(&id).join("artifacts").join(format!("screenshot-{seq}-reference-dark.png"));
    assert_eq!(result["artifactPath"], path.display().to_string());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(result["pngSizeBytes"], bytes.len());
    assert_eq!(result["sha256"], sha256_hex(&bytes));
    assert_eq!(result["renderProfileHash"].as_str().unwrap().len(), 64);
    assert_eq!(decode(&path).0, 640);

    let manifest_path = t.session_dir(&id).join("artifacts").join("manifest.json");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(manifest_path).unwrap()).unwrap();
    let entry = &manifest["artifacts"][0];
    assert_keys(
        entry,
        &["id", "kind", "filename", "sessionId", "capturedAtSeq", "createdAt", "sha256", "metadata"],
    );
    assert_ulid(entry["id"].as_str().unwrap());
    assert_iso(entry["createdAt"].as_str().unwrap());
    assert_eq!(entry["kind"], "screenshot");
    assert_eq!(entry["filename"], format!("screenshot-{seq}-reference-dark.png"));
    assert_eq!(entry["sha256"], result["sha256"]);
    let metadata_keys: Vec<&str> =
        entry["metadata"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        metadata_keys,
        [
            "profileName",
            "cols",
            "rows",
            "pngSizeBytes",
            "cursorVisible",
            "rendererBackend",
            "pixelWidth",
            "pixelHeight",
            "renderProfileHash"
        ]
    );
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["artifacts"]["health"], "healthy");
    assert_eq!(inspected["artifacts"]["byKind"], json!({"screenshot": 1}));

    let human = t.at(&["screenshot", &id]).human_ok().to_string();
    assert!(human.contains("Pixel dimensions: 640\u{d7}384"), "{human}");
    assert!(human.contains("Render profile hash: "), "{human}");
}

#[test]
fn profiles_cursor_flags_and_offline() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let dark = shot(&t, &id, &["--profile", "reference-dark"]);
    let light = shot(&t, &id, &["--profile", "reference-light", "--show-cursor"]);
    assert_eq!(light["cursorVisible"], true);
    assert_ne!(dark["renderProfileHash"], light["renderProfileHash"]);
    let corner = |r: &Value| decode(Path::new(r["artifactPath"].as_str().unwrap())).2[..3].to_vec();
    assert_eq!(corner(&dark), [0x1e, 0x1e, 0x2e]);
    assert_eq!(corner(&light), [0xef, 0xf1, 0xf5]);
    let global = t.at(&["--profile", "reference-light", "screenshot", &id, "--json"]).ok("screenshot");
    assert_eq!(global["profileName"], "reference-light");

    let both = t.at(&["screenshot", &id, "--show-cursor", "--hide-cursor", "--json"]);
    let error = both.err("screenshot", 2, "INVALID_INPUT");
    assert!(error["message"].as_str().unwrap().contains("mutually exclusive"), "{error}");
    let unknown =
        t.at(&["screenshot", &id, "--profile", "nope", "--json"]).err("screenshot", 2, "INVALID_INPUT");
    assert!(unknown["message"].as_str().unwrap().contains("unknown render profile: nope"), "{unknown}");
    let long = "x".repeat(101);
    t.at(&["screenshot", &id, "--profile", &long, "--json"]).err("screenshot", 2, "INVALID_INPUT");

    t.at(&["destroy", &id, "--json"]).ok("destroy");
    let offline = shot(&t, &id, &[]);
    assert!(Path::new(offline["artifactPath"].as_str().unwrap()).is_file());
    let inspected = t.at(&["inspect", &id, "--json"]).ok("inspect");
    assert_eq!(inspected["artifacts"]["health"], "healthy");
    assert_eq!(inspected["artifacts"]["byKind"], json!({"screenshot": 4}));
}

/// With `tesseract` installed, OCR of the PNG recovers the echoed text.
#[test]
fn ocr_recovers_the_text() {
    if std::process::Command::new("tesseract").arg("--version").output().is_err() {
        eprintln!("tesseract not installed; skipping OCR check");
        return;
    }
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo HELLO SCREENSHOT 12345", "HELLO SCREENSHOT 12345");
    let result = shot(&t, &id, &[]);
    let out = std::process::Command::new("tesseract")
        .args([result["artifactPath"].as_str().unwrap(), "stdout"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("HELLO SCREENSHOT 12345"), "OCR read {text:?}");
}
