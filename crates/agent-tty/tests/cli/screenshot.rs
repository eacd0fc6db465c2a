//! `screenshot`: native PNG rendering into the artifacts directory (03 §1–§3).

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{TestHome, assert_iso, assert_keys, assert_ulid, optional, sha256_hex};

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
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
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
    if !optional("tesseract", "tesseract-ocr", "the OCR check") {
        return;
    }
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    t.run_settled(&id, "echo HELLO SCREENSHOT 12345", "HELLO SCREENSHOT 12345");
    let result = shot(&t, &id, &[]);
    let text = crate::support::ocr_text(Path::new(result["artifactPath"].as_str().unwrap()));
    assert!(text.contains("HELLO SCREENSHOT 12345"), "OCR read {text:?}");
}

/// The test screen: every style, the three colour depths, a double-line box, CJK, emoji
/// and an inverse "selected item", painted by a real bash at known cells.
const TEST_SCREEN: &str = r#"printf '\033[H\033[2J'
printf '\033[1;1Hplain \033[1mbold\033[0m \033[3mitalic\033[0m \033[4munder\033[0m \033[9mstrike\033[0m \033[2mdim\033[0m'
printf '\033[2;1H\033[44m  \033[0m16 \033[48;5;196m  \033[0m256 \033[48;2;10;200;30m  \033[0mtrue'
printf '\033[3;1H\342\225\224\342\225\220\342\225\220\342\225\227 \033[7m selected item \033[0m'
printf '\033[4;1H\342\225\232\342\225\220\342\225\220\342\225\235 \346\274\242\345\255\227 \360\237\230\200'
printf '\033[6;1HTEST SCREEN READY\n'
"#;

#[test]
fn test_screen_pixels_land_on_their_cells() {
    let t = TestHome::new();
    let id = t.bash_ready(&[]);
    let script = t.path("test-screen.sh");
    std::fs::write(&script, TEST_SCREEN).unwrap();
    t.run_settled(&id, &format!("bash {}", script.display()), "TEST SCREEN READY");
    let result = shot(&t, &id, &["--hide-cursor"]);
    let (width, _, rgb) = decode(Path::new(result["artifactPath"].as_str().unwrap()));
    let profile = agent_tty_render::Profile::resolve("reference-dark").unwrap();
    let pixel = |x: u32, y: u32| {
        let i = ((y * width + x) * 3) as usize;
        (rgb[i], rgb[i + 1], rgb[i + 2])
    };
    // Every pixel of a cell (col, row); cells are 8×16.
    let cell = |col: u32, row: u32| -> Vec<(u8, u8, u8)> {
        (0..16)
            .flat_map(|y| (0..8).map(move |x| (x, y)))
            .map(|(x, y)| pixel(col * 8 + x, row * 16 + y))
            .collect()
    };
    let filled = |col: u32, row: u32, colour: (u8, u8, u8)| cell(col, row).iter().all(|p| *p == colour);
    assert!(filled(0, 1, profile.palette[4]), "16-colour blue background");
    assert!(filled(5, 1, (255, 0, 0)), "256-colour 196 is pure red");
    assert!(filled(12, 1, (10, 200, 30)), "true colour exact");
    // The selected item: inverse video puts the default foreground behind it.
    assert!(filled(5, 2, profile.foreground), "inverse cell background is the foreground colour");
    assert!(
        cell(6, 2).contains(&profile.foreground) && cell(6, 2).contains(&profile.background),
        "'s' in background colour on foreground"
    );
    // Double-line box: ═ has two horizontal lines with a gap; ║ corners join.
    let rule = cell(1, 2);
    let lit_rows: Vec<usize> = (0..16).filter(|y| rule[y * 8 + 3] == profile.foreground).collect();
    assert_eq!(lit_rows.len(), 2, "═ is two lines: {lit_rows:?}");
    assert!(lit_rows[1] - lit_rows[0] >= 2, "with a gap between them");
    // Styles: bold glyphs carry more ink than regular ones of the same letters.
    let ink = |col: u32, row: u32| cell(col, row).iter().filter(|p| **p != profile.background).count();
    let regular: usize = (0..5).map(|c| ink(c, 0)).sum(); // "plain"
    let bold: usize = (6..10).map(|c| ink(c, 0)).sum(); // "bold"
    assert!(bold * 5 > regular * 4, "bold {bold} vs plain {regular}");
    // Underline: the underlined word has a full-width line near the cell bottom.
    let under = cell(18, 0);
    assert!((10..16).any(|y| (0..8).all(|x| under[y * 8 + x] == profile.foreground)), "underline");
    // Dim text is drawn in a colour between foreground and background.
    let dim = (31..34).flat_map(|c| cell(c, 0)).filter(|p| *p != profile.background).count();
    assert!(
        dim > 0 && !(31..34).flat_map(|c| cell(c, 0)).any(|p| p == profile.foreground),
        "dim is not full fg"
    );
    // CJK and emoji: drawn with ink (system fonts when installed, else hollow boxes).
    assert!(ink(5, 3) + ink(6, 3) > 10, "漢 has ink");
    if agent_tty_render::fallback_fonts().emoji.is_some() {
        let emoji = [cell(10, 3), cell(11, 3)].concat();
        let yellow = emoji.iter().any(|(r, g, b)| *r > 200 && *g > 150 && *b < 100);
        assert!(yellow, "the emoji is drawn in its own colours");
    }
    // The cursor, asked for, paints its cell in the foreground colour.
    let with_cursor = shot(&t, &id, &["--show-cursor"]);
    assert_eq!(with_cursor["cursorVisible"], true);
    assert_ne!(with_cursor["sha256"], result["sha256"], "the cursor changes the picture");
}
