use super::*;
use crate::Screen;

const fn at(row: u16, col: u16) -> Point {
    Point { row, col }
}

fn click(button: Button, row: u16, col: u16) -> Gesture {
    Gesture::Click { button, at: at(row, col), count: 1 }
}

fn bytes(tracking: Tracking, encoding: Encoding, gesture: Gesture, modifiers: Modifiers) -> String {
    let bytes = encode_gesture(tracking, encoding, gesture, modifiers).unwrap();
    // Visible: ESC as `^[`, bytes beyond ASCII as `\xNN`.
    bytes
        .iter()
        .map(|&b| match b {
            0x1b => "^[".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

const NONE: Modifiers = Modifiers { shift: false, alt: false, ctrl: false };
const CTRL_SHIFT: Modifiers = Modifiers { shift: true, alt: false, ctrl: true };

#[test]
fn a_click_in_every_mode_and_encoding() {
    let left = click(Button::Left, 4, 9);
    let cases = [
        (Tracking::X10, Encoding::Default, "^[[M *%"),
        (Tracking::Normal, Encoding::Default, "^[[M *%^[[M#*%"),
        (Tracking::ButtonEvent, Encoding::Utf8, "^[[M *%^[[M#*%"),
        (Tracking::AnyEvent, Encoding::Sgr, "^[[<0;10;5M^[[<0;10;5m"),
        (Tracking::Normal, Encoding::Urxvt, "^[[32;10;5M^[[35;10;5M"),
    ];
    for (tracking, encoding, expected) in cases {
        assert_eq!(bytes(tracking, encoding, left, NONE), expected, "{tracking:?} {encoding:?}");
    }
}

#[test]
fn buttons_and_modifiers() {
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Sgr, click(Button::Right, 0, 0), NONE),
        "^[[<2;1;1M^[[<2;1;1m"
    );
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Sgr, click(Button::Middle, 0, 0), NONE),
        "^[[<1;1;1M^[[<1;1;1m"
    );
    // shift 4 + ctrl 16; a release keeps them.
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Sgr, click(Button::Left, 1, 2), CTRL_SHIFT),
        "^[[<20;3;2M^[[<20;3;2m"
    );
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Default, click(Button::Right, 0, 0), CTRL_SHIFT),
        "^[[M6!!^[[M7!!"
    );
    let alt = Modifiers { alt: true, ..NONE };
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Urxvt, click(Button::Left, 0, 0), alt),
        "^[[40;1;1M^[[43;1;1M"
    );
    // X10: presses only, no modifiers.
    assert_eq!(bytes(Tracking::X10, Encoding::Sgr, click(Button::Right, 0, 0), CTRL_SHIFT), "^[[<2;1;1M");
}

#[test]
fn a_double_click_is_two_clicks() {
    let double = Gesture::Click { button: Button::Left, at: at(0, 0), count: 2 };
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Sgr, double, NONE),
        "^[[<0;1;1M^[[<0;1;1m^[[<0;1;1M^[[<0;1;1m"
    );
}

#[test]
fn motion_only_when_the_mode_asks_for_it() {
    let to = Gesture::Move { to: at(2, 3) };
    assert_eq!(bytes(Tracking::X10, Encoding::Sgr, to, NONE), "");
    assert_eq!(bytes(Tracking::Normal, Encoding::Sgr, to, NONE), "");
    assert_eq!(bytes(Tracking::ButtonEvent, Encoding::Sgr, to, NONE), "");
    assert_eq!(bytes(Tracking::AnyEvent, Encoding::Sgr, to, NONE), "^[[<35;4;3M");
    assert_eq!(bytes(Tracking::AnyEvent, Encoding::Default, to, NONE), "^[[MC$#");
    assert_eq!(bytes(Tracking::AnyEvent, Encoding::Urxvt, to, NONE), "^[[67;4;3M");

    let drag = Gesture::Drag { button: Button::Left, from: at(0, 0), to: at(0, 2) };
    assert_eq!(bytes(Tracking::X10, Encoding::Sgr, drag, NONE), "^[[<0;1;1M");
    assert_eq!(bytes(Tracking::Normal, Encoding::Sgr, drag, NONE), "^[[<0;1;1M^[[<0;3;1m");
    let motion = "^[[<0;1;1M^[[<32;2;1M^[[<32;3;1M^[[<0;3;1m";
    assert_eq!(bytes(Tracking::ButtonEvent, Encoding::Sgr, drag, NONE), motion);
    assert_eq!(bytes(Tracking::AnyEvent, Encoding::Sgr, drag, NONE), motion);
    assert_eq!(bytes(Tracking::ButtonEvent, Encoding::Default, drag, NONE), "^[[M !!^[[M@\"!^[[M@#!^[[M##!");
}

#[test]
fn a_drag_crosses_each_cell_up_to_a_limit() {
    let drag = Gesture::Drag { button: Button::Left, from: at(5, 10), to: at(1, 2) };
    let points: Vec<Point> = drag
        .events()
        .into_iter()
        .filter_map(|e| if let MouseEvent::Motion(_, p) = e { Some(p) } else { None })
        .collect();
    assert_eq!(points.len(), 8);
    assert_eq!(points.first(), Some(&at(4, 9)));
    assert_eq!(points.last(), Some(&at(1, 2)));
    let long = Gesture::Drag { button: Button::Left, from: at(0, 0), to: at(0, 900) };
    assert_eq!(long.events().len(), MAX_DRAG_STEPS as usize + 2);
    assert_eq!(long.events().last(), Some(&MouseEvent::Release(Button::Left, at(0, 900))));
}

#[test]
fn the_wheel_is_presses_only() {
    let up = Gesture::Scroll { at: at(1, 1), up: true, count: 2 };
    let down = Gesture::Scroll { at: at(1, 1), up: false, count: 1 };
    assert_eq!(bytes(Tracking::Normal, Encoding::Sgr, up, NONE), "^[[<64;2;2M^[[<64;2;2M");
    assert_eq!(bytes(Tracking::ButtonEvent, Encoding::Sgr, down, NONE), "^[[<65;2;2M");
    assert_eq!(bytes(Tracking::Normal, Encoding::Default, down, NONE), "^[[Ma\"\"");
    assert_eq!(bytes(Tracking::Normal, Encoding::Urxvt, down, CTRL_SHIFT), "^[[117;2;2M");
    assert_eq!(wheel_as_keys(true, 2, false), b"\x1b[A\x1b[A");
    assert_eq!(wheel_as_keys(false, 1, true), b"\x1bOB");
}

#[test]
fn far_positions_need_an_encoding_that_carries_them() {
    // Column 222 (0-based) is the last the default encoding carries: byte 255.
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Default, click(Button::Left, 0, 222), NONE),
        "^[[M \\xff!^[[M#\\xff!"
    );
    let far = click(Button::Left, 0, 223);
    let err = encode_gesture(Tracking::Normal, Encoding::Default, far, NONE).unwrap_err();
    assert_eq!(err, MouseError::BeyondEncoding { encoding: Encoding::Default, limit: 223, at: at(0, 223) });
    assert!(err.to_string().contains("up to 223 (0-based 222)"), "{err}");
    let row = encode_gesture(Tracking::Normal, Encoding::Default, click(Button::Left, 300, 0), NONE);
    assert!(row.is_err());
    // UTF-8: column 300 → 301 + 32 = U+014D, two bytes.
    let utf8 = encode_gesture(Tracking::Normal, Encoding::Utf8, click(Button::Left, 0, 300), NONE).unwrap();
    assert_eq!(utf8[..6], *b"\x1b[M \xc5\x8d");
    assert_eq!(std::str::from_utf8(&utf8).unwrap(), "\x1b[M \u{14d}!\x1b[M#\u{14d}!");
    let limit = encode_gesture(Tracking::Normal, Encoding::Utf8, click(Button::Left, 0, 2015), NONE);
    assert!(matches!(limit, Err(MouseError::BeyondEncoding { limit: 2015, .. })));
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Sgr, click(Button::Left, 499, 999), NONE),
        "^[[<0;1000;500M^[[<0;1000;500m"
    );
    assert_eq!(
        bytes(Tracking::Normal, Encoding::Urxvt, click(Button::Left, 0, 300), NONE),
        "^[[32;301;1M^[[35;301;1M"
    );
}

fn modes_after(output: &str) -> MouseModes {
    let mut screen = Screen::new(80, 24);
    screen.feed(output.as_bytes(), 0);
    screen.mouse_modes()
}

#[test]
fn the_screen_tracks_every_mode_and_encoding() {
    let tracking = |output: &str| modes_after(output).tracking;
    let encoding = |output: &str| modes_after(output).encoding;
    assert_eq!(tracking(""), None);
    assert_eq!(tracking("\x1b[?9h"), Some(Tracking::X10));
    assert_eq!(tracking("\x1b[?9h\x1b[?9l"), None);
    assert_eq!(tracking("\x1b[?1000h"), Some(Tracking::Normal));
    assert_eq!(tracking("\x1b[?1002h"), Some(Tracking::ButtonEvent));
    assert_eq!(tracking("\x1b[?1003h"), Some(Tracking::AnyEvent));
    assert_eq!(tracking("\x1b[?1003h\x1b[?1003l"), None);
    // The last one set wins.
    assert_eq!(tracking("\x1b[?1000h\x1b[?9h"), Some(Tracking::X10));
    assert_eq!(tracking("\x1b[?9h\x1b[?1002h"), Some(Tracking::ButtonEvent));
    assert_eq!(tracking("\x1b[?1000h\x1bc"), None);
    assert_eq!(tracking("\x1b[?9h\x1bc"), None);

    assert_eq!(encoding("\x1b[?1000h"), Encoding::Default);
    assert_eq!(encoding("\x1b[?1005h"), Encoding::Utf8);
    assert_eq!(encoding("\x1b[?1006h"), Encoding::Sgr);
    assert_eq!(encoding("\x1b[?1015h"), Encoding::Urxvt);
    assert_eq!(encoding("\x1b[?1015h\x1b[?1015l"), Encoding::Default);
    assert_eq!(encoding("\x1b[?1006h\x1b[?1015h"), Encoding::Urxvt);
    assert_eq!(encoding("\x1b[?1015h\x1b[?1006h"), Encoding::Sgr);
    assert_eq!(encoding("\x1b[?1006h\x1b[?1005h"), Encoding::Utf8);
    assert_eq!(encoding("\x1b[?1015h\x1bc"), Encoding::Default);

    let modes = modes_after("\x1b[?1049h\x1b[?1007h\x1b[?1h");
    assert!(modes.alt_screen && modes.alternate_scroll && modes.app_cursor, "{modes:?}");
}

#[test]
fn untracked_modes_keep_the_screen_from_checkpoints() {
    let mut screen = Screen::new(80, 24);
    screen.feed(b"\x1b[?1000h\x1b[?1006h", 0);
    assert!(screen.can_checkpoint());
    screen.feed(b"\x1b[?9h", 0);
    assert!(!screen.can_checkpoint());
    screen.feed(b"\x1b[?9l\x1b[?1015h", 0);
    assert!(!screen.can_checkpoint());
    screen.feed(b"\x1b[?1015l", 0);
    assert!(screen.can_checkpoint());
}

#[test]
fn visible_text_is_found_by_cells() {
    let mut screen = Screen::new(40, 5);
    screen.feed("  [ OK ]  [Cancel]  [ OK ]\r\n日本 OK\r\n".as_bytes(), 0);
    let spans = screen.find_visible_text("OK");
    let cells: Vec<(u16, u16, u16)> = spans.iter().map(|s| (s.row, s.first_col, s.last_col)).collect();
    assert_eq!(cells, [(0, 4, 5), (0, 22, 23), (1, 5, 6)]);
    let wide = screen.find_visible_text("本");
    assert_eq!((wide[0].row, wide[0].first_col, wide[0].last_col), (1, 2, 3));
    assert_eq!(screen.find_visible_text("[Cancel]")[0].first_col, 10);
    assert!(screen.find_visible_text("missing").is_empty());
    assert!(screen.find_visible_text("").is_empty());
}

/// Decodes one report: (button code, column, row, release), 1-based positions.
fn decode(encoding: Encoding, bytes: &[u8]) -> (u32, u32, u32, bool) {
    let text = String::from_utf8_lossy(bytes);
    let numbers = |body: &str| -> Vec<u32> { body.split(';').map(|n| n.parse().unwrap()).collect() };
    match encoding {
        Encoding::Default => {
            let [b, x, y] = [bytes[3], bytes[4], bytes[5]].map(|v| u32::from(v) - 32);
            (b, x, y, false)
        }
        Encoding::Utf8 => {
            let chars: Vec<u32> =
                std::str::from_utf8(&bytes[3..]).unwrap().chars().map(|c| c as u32 - 32).collect();
            (chars[0], chars[1], chars[2], false)
        }
        Encoding::Sgr => {
            let body = &text[3..text.len() - 1];
            let n = numbers(body);
            (n[0], n[1], n[2], text.ends_with('m'))
        }
        Encoding::Urxvt => {
            let n = numbers(&text[2..text.len() - 1]);
            (n[0] - 32, n[1], n[2], false)
        }
    }
}

proptest::proptest! {
    /// Every report of every gesture decodes back to its button, modifiers and cell, or
    /// the position is refused exactly when the encoding cannot carry it.
    #[test]
    fn reports_decode_back(
        row in 0u16..500,
        col in 0u16..1000,
        encoding in proptest::sample::select(vec![Encoding::Default, Encoding::Utf8, Encoding::Sgr, Encoding::Urxvt]),
        button in proptest::sample::select(vec![Button::Left, Button::Middle, Button::Right, Button::WheelUp, Button::WheelDown]),
        (shift, alt, ctrl) in (proptest::bool::ANY, proptest::bool::ANY, proptest::bool::ANY),
    ) {
        let modifiers = Modifiers { shift, alt, ctrl };
        let at = Point { row, col };
        for event in [MouseEvent::Press(button, at), MouseEvent::Release(button, at), MouseEvent::Motion(Some(button), at), MouseEvent::Motion(None, at)] {
            let fits = encoding.max_coordinate().is_none_or(|limit| u32::from(row) < limit && u32::from(col) < limit);
            let Ok(bytes) = encode_event(encoding, event, modifiers) else {
                proptest::prop_assert!(!fits);
                continue;
            };
            proptest::prop_assert!(fits);
            let (code, x, y, release) = decode(encoding, &bytes);
            proptest::prop_assert_eq!((x, y), (u32::from(col) + 1, u32::from(row) + 1));
            proptest::prop_assert_eq!(code & 28, modifiers.code());
            let expected = match event {
                MouseEvent::Press(b, _) => b.code(),
                MouseEvent::Release(b, _) if encoding == Encoding::Sgr => b.code(),
                MouseEvent::Release(..) => 3,
                MouseEvent::Motion(b, _) => 32 + b.map_or(3, Button::code),
            };
            proptest::prop_assert_eq!(code & !28, expected);
            proptest::prop_assert_eq!(release, encoding == Encoding::Sgr && matches!(event, MouseEvent::Release(..)));
        }
    }
}
