//! End-to-end scenarios for [`RunFilter`], with hand-built terminal output.

use super::*;

const MARKER_A: &str = "__AT_MARKER_0123456789abcdef0123456789abcdef__";
const MARKER_B: &str = "__AT_MARKER_fedcba9876543210fedcba9876543210__";

/// One waited run's identifiers.
struct Run {
    marker: &'static str,
    sentinel: String,
    postamble: String,
}

impl Run {
    fn new(marker: &'static str, token: &str) -> Self {
        let sentinel = sentinel(token);
        let postamble = postamble(&sentinel);
        Self { marker, sentinel, postamble }
    }

    /// The terminal's plain echo of the typed postamble line.
    fn echo(&self) -> String {
        format!("{}\r\n", self.postamble)
    }

    fn complete(&self) -> Piece {
        Piece::RunComplete { marker: self.marker.to_owned(), exit_code: None }
    }
}

fn run_a() -> Run {
    Run::new(MARKER_A, "AAAAAA")
}

fn run_b() -> Run {
    Run::new(MARKER_B, "B-_b9z")
}

fn filter(runs: &[&Run]) -> RunFilter {
    let mut filter = RunFilter::new();
    for run in runs {
        filter.register(run.marker, &run.sentinel, &run.postamble).unwrap();
    }
    filter
}

fn output(text: &str) -> Piece {
    Piece::Output(text.to_owned())
}

/// Pushes each chunk, checking that every result is well formed.
fn push_chunks(filter: &mut RunFilter, chunks: &[&str]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for chunk in chunks {
        let pushed = filter.push(chunk);
        assert_well_formed(&pushed);
        pieces.extend(pushed);
    }
    pieces
}

/// No empty output and no two adjacent outputs.
fn assert_well_formed(pieces: &[Piece]) {
    for pair in pieces.windows(2) {
        let both_output = matches!(pair, [Piece::Output(_), Piece::Output(_)]);
        assert!(!both_output, "unmerged output in {pieces:?}");
    }
    assert!(!pieces.contains(&output("")), "empty output in {pieces:?}");
}

/// All output text, concatenated.
fn text(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .filter_map(|piece| match piece {
            Piece::Output(text) => Some(text.as_str()),
            Piece::RunComplete { .. } => None,
        })
        .collect()
}

/// Output text before each completion and after the last, and the markers.
fn segments(pieces: &[Piece]) -> (Vec<String>, Vec<String>) {
    let (mut texts, mut markers) = (vec![String::new()], Vec::new());
    for piece in pieces {
        match piece {
            Piece::Output(text) => texts.last_mut().unwrap().push_str(text),
            Piece::RunComplete { marker, .. } => {
                markers.push(marker.clone());
                texts.push(String::new());
            }
        }
    }
    (texts, markers)
}

/// Feeds `input` split in two at every position and checks the segments.
fn check_every_split(runs: &[&Run], input: &str, texts: &[&str], markers: &[&str]) {
    for split in 0..=input.len() {
        let mut filter = filter(runs);
        let pieces = push_chunks(&mut filter, &[&input[..split], &input[split..]]);
        assert_eq!(segments(&pieces), (owned(texts), owned(markers)), "split at {split}");
        assert_eq!(filter.flush(), [], "split at {split}");
    }
}

fn owned(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|text| (*text).to_owned()).collect()
}

/// Inserts `noise` into `text` at each given byte offset.
fn with_noise(text: &str, noise: &[(usize, &str)]) -> String {
    let mut result = String::new();
    let mut start = 0;
    for (at, insert) in noise {
        result.push_str(&text[start..*at]);
        result.push_str(insert);
        start = *at;
    }
    result.push_str(&text[start..]);
    result
}

#[test]
fn bash_echo_in_one_chunk() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    let input = format!("echo hi\r\n{}hi\r\n{}$ ", run.echo(), run.sentinel);
    let pieces = push_chunks(&mut filter, &[&input]);
    assert_eq!(pieces, [output("echo hi\r\nhi\r\n"), run.complete(), output("$ ")]);
    assert!(!filter.is_active());
}

#[test]
fn bash_echo_split_at_every_position() {
    let run = run_a();
    let input = format!("echo hi\r\n{}hi\r\n{}$ ", run.echo(), run.sentinel);
    check_every_split(&[&run], &input, &["echo hi\r\nhi\r\n", "$ "], &[MARKER_A]);
}

#[test]
fn bash_echo_split_three_ways() {
    let run = run_a();
    let input = format!("echo hi\r\n{}hi\r\n{}$ ", run.echo(), run.sentinel);
    for first in 0..=input.len() {
        for second in first..=input.len() {
            let mut filter = filter(&[&run]);
            let chunks = [&input[..first], &input[first..second], &input[second..]];
            let pieces = push_chunks(&mut filter, &chunks);
            let expected = (owned(&["echo hi\r\nhi\r\n", "$ "]), owned(&[MARKER_A]));
            assert_eq!(segments(&pieces), expected, "splits at {first}, {second}");
        }
    }
}

#[test]
fn bash_echo_fed_one_byte_at_a_time() {
    let run = run_a();
    let input = format!("echo hi\r\n{}hi\r\n{}$ ", run.echo(), run.sentinel);
    let mut filter = filter(&[&run]);
    let bytes: Vec<String> = input.chars().map(String::from).collect();
    let chunks: Vec<&str> = bytes.iter().map(String::as_str).collect();
    let pieces = push_chunks(&mut filter, &chunks);
    let expected = (owned(&["echo hi\r\nhi\r\n", "$ "]), owned(&[MARKER_A]));
    assert_eq!(segments(&pieces), expected);
}

#[test]
fn readline_repaint_noise_is_hidden() {
    let run = run_a();
    let noise = [(2, "\x1b[K"), (9, "\r\x1b[2C"), (15, "\x1b[1;31H"), (33, "\r"), (50, "\x1b[C")];
    let echo = format!("{}\r\n", with_noise(&run.postamble, &noise));
    let input = format!("echo hi\r\nhi\r\n$ {echo}{}$ ", run.sentinel);
    check_every_split(&[&run], &input, &["echo hi\r\nhi\r\n$ ", "$ "], &[MARKER_A]);
}

#[test]
fn bracketed_paste_toggles_around_the_echo_are_kept() {
    let run = run_a();
    let input = format!("\x1b[?2004h$ {}\x1b[?2004l\r{}", run.echo(), run.sentinel);
    let expected = ["\x1b[?2004h$ \x1b[?2004l\r", ""];
    check_every_split(&[&run], &input, &expected, &[MARKER_A]);
}

#[test]
fn echo_wrapped_at_80_columns_is_hidden() {
    let run = run_a();
    for prompt_len in 24..80 {
        let prompt = format!("{}$ ", "~".repeat(prompt_len - 2));
        let wrap_at = 80 - prompt_len;
        for wrap in [" \r", "\r"] {
            let echo = format!("{}\r\n", with_noise(&run.postamble, &[(wrap_at, wrap)]));
            let input = format!("{prompt}{echo}{}{prompt}", run.sentinel);
            let mut filter = filter(&[&run]);
            let pieces = push_chunks(&mut filter, &[&input]);
            assert_eq!(pieces, [output(&prompt), run.complete(), output(&prompt)], "{input:?}");
        }
    }
}

#[test]
fn wrapped_echo_split_at_every_position() {
    let run = run_a();
    for wrap_at in [1, 6, 7, 14, 15, 40, 56] {
        let echo = format!("{}\r\n", with_noise(&run.postamble, &[(wrap_at, " \r")]));
        let input = format!("$ {echo}{}$ ", run.sentinel);
        check_every_split(&[&run], &input, &["$ ", "$ "], &[MARKER_A]);
    }
}

#[test]
fn output_interleaved_into_the_echo_is_kept() {
    let run = run_a();
    let echo = run.echo();
    let input = format!("{}visible-output\r\n{}{}", &echo[..24], &echo[24..], run.sentinel);
    check_every_split(&[&run], &input, &["visible-output\r\n", ""], &[MARKER_A]);
}

#[test]
fn two_runs_complete_in_stream_order() {
    let (a, b) = (run_a(), run_b());
    let input =
        format!("cmd-a\r\n{}a-out\r\n{}cmd-b\r\n{}b-out\r\n{}$ ", a.echo(), a.sentinel, b.echo(), b.sentinel);
    let texts = ["cmd-a\r\na-out\r\n", "cmd-b\r\nb-out\r\n", "$ "];
    check_every_split(&[&a, &b], &input, &texts, &[MARKER_A, MARKER_B]);
}

#[test]
fn two_runs_complete_out_of_registration_order() {
    let (a, b) = (run_a(), run_b());
    let input = format!("{}{}out\r\n{}{}$ ", a.echo(), b.echo(), b.sentinel, a.sentinel);
    check_every_split(&[&a, &b], &input, &["out\r\n", "", "$ "], &[MARKER_B, MARKER_A]);
}

#[test]
fn passes_everything_through_without_registrations() {
    let run = run_a();
    let mut filter = RunFilter::new();
    for chunk in [
        "plain\r\n".to_owned(),
        format!("x{}y", run.sentinel),
        run.echo(),
        "\x1b_atAAA".to_owned(),
        "\x1b".to_owned(),
        "\x1b[31mred\x1b[0m \u{e9}".to_owned(),
    ] {
        assert_eq!(filter.push(&chunk), [output(&chunk)]);
    }
    assert_eq!(filter.push(""), []);
    assert_eq!(filter.flush(), []);
    assert!(!filter.is_active());
}

#[test]
fn flush_releases_a_held_sentinel_prefix() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    let partial = &run.sentinel[..5];
    assert_eq!(filter.push(&format!("out{partial}")), [output("out")]);
    assert_eq!(filter.flush(), [output(partial)]);
    assert_eq!(filter.flush(), []);
    assert!(filter.is_active());
    filter.clear();
    assert!(!filter.is_active());
    assert_eq!(filter.push(&run.sentinel), [output(&run.sentinel)]);
}

#[test]
fn flush_releases_held_echo_and_sentinel_prefixes() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    let (echo_part, sentinel_part) = (&run.postamble[..10], &run.sentinel[..3]);
    let pushed = filter.push(&format!("a{echo_part}{sentinel_part}"));
    assert_eq!(pushed, [output("a")]);
    assert_eq!(filter.flush(), [output(&format!("{echo_part}{sentinel_part}"))]);
}

#[test]
fn an_echo_that_never_appears_holds_back_only_partial_prefixes() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    for chunk in ["cat\r\n", "printf 'hello'\r\n", "pretty print: p\n"] {
        assert_eq!(filter.push(chunk), [output(chunk)]);
    }
    assert_eq!(filter.push(r"abc printf '\03"), [output("abc ")]);
    assert_eq!(filter.push("x\r\n"), [output("printf '\\03x\r\n")]);
    let busy = "p\x1b[0mpr\rprint\x1b_x ".repeat(10_000) + "done";
    assert_eq!(filter.push(&busy), [output(&busy)]);
    assert!(filter.is_active());
}

#[test]
fn a_held_echo_prefix_is_released_before_the_completion() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    assert_eq!(filter.push("hi\r\npr"), [output("hi\r\n")]);
    let pushed = filter.push(&format!("{}$ ", run.sentinel));
    assert_eq!(pushed, [output("pr"), run.complete(), output("$ ")]);
}

#[test]
fn completion_ends_tolerant_stripping() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    assert_eq!(filter.push(&run.postamble[..20]), []);
    assert_eq!(filter.push(&format!("{}\r$ ", run.sentinel)), [run.complete(), output("\r$ ")]);
    assert_eq!(filter.push("\r\x1b[K"), [output("\r\x1b[K")]);
}

#[test]
fn a_sentinel_seen_again_after_completion_is_output() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    let pushed = filter.push(&format!("{0}{0}", run.sentinel));
    assert_eq!(pushed, [run.complete(), output(&run.sentinel)]);
}

#[test]
fn register_rejects_bad_or_colliding_registrations() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    let (sentinel, postamble) = (sentinel("CCCCCC"), postamble(&sentinel("CCCCCC")));
    let bad_marker = filter.register("__AT_MARKER_x__", &sentinel, &postamble);
    assert_eq!(bad_marker, Err(RegisterError::InvalidMarker("__AT_MARKER_x__".into())));
    let duplicate = filter.register(MARKER_A, &sentinel, &postamble);
    assert_eq!(duplicate, Err(RegisterError::DuplicateMarker(MARKER_A.into())));
    let collision = filter.register(MARKER_B, &run.sentinel, &postamble);
    assert_eq!(collision, Err(RegisterError::SentinelCollision));
    let prefix = filter.register(MARKER_B, &run.sentinel[..6], &postamble);
    assert_eq!(prefix, Err(RegisterError::SentinelCollision));
    assert_eq!(filter.register(MARKER_B, "_at", &postamble), Err(RegisterError::InvalidSentinel));
    for bad in ["", "printf 'a\nb'", "printf '\u{e9}'", "printf '\x1b'", MARKER_B] {
        let result = filter.register(MARKER_B, &sentinel, bad);
        assert_eq!(result, Err(RegisterError::InvalidPostamble), "{bad:?}");
    }
    assert_eq!(filter.register(MARKER_B, &sentinel, &format!("{postamble}\n")), Ok(()));
}

#[test]
fn register_errors_never_reveal_the_sentinel() {
    let run = run_a();
    let mut filter = filter(&[&run]);
    let error = filter.register(MARKER_B, &run.sentinel, &run.postamble).unwrap_err();
    assert!(!error.to_string().contains(&run.sentinel));
    assert!(!error.to_string().contains("AAAAAA"));
}

#[test]
fn register_new_draws_distinct_working_sentinels() {
    let mut filter = RunFilter::new();
    let markers: Vec<String> = (0..100).map(|_| new_marker()).collect();
    let registrations: Vec<Registration> =
        markers.iter().map(|marker| filter.register_new(marker, None).unwrap()).collect();
    for (index, registration) in registrations.iter().enumerate() {
        assert_eq!(registration.postamble, postamble(&registration.sentinel));
        let later = &registrations[index + 1..];
        assert!(later.iter().all(|other| other.sentinel != registration.sentinel));
    }
    let last = registrations.last().unwrap();
    let input = format!("{}out{}", last.postamble, last.sentinel);
    let expected = [output("out"), Piece::RunComplete { marker: markers[99].clone(), exit_code: None }];
    assert_eq!(filter.push(&format!("{input}\n")[..input.len()]), expected);
    assert!(filter.is_active());
    let duplicate = filter.register_new(&markers[0], None);
    assert_eq!(duplicate, Err(RegisterError::DuplicateMarker(markers[0].clone())));
    assert!(matches!(filter.register_new("nope", None), Err(RegisterError::InvalidMarker(_))));
}

#[test]
fn multibyte_output_survives_active_filtering() {
    let run = run_a();
    let echo = run.echo();
    let input = format!("\u{e9}{}\u{1f600}{}\u{4e16}{}\u{20ac}", &echo[..20], &echo[20..], run.sentinel);
    let texts = ["\u{e9}\u{1f600}\u{4e16}", "\u{20ac}"];
    for split in (0..=input.len()).filter(|&split| input.is_char_boundary(split)) {
        let mut filter = filter(&[&run]);
        let pieces = push_chunks(&mut filter, &[&input[..split], &input[split..]]);
        assert_eq!(segments(&pieces), (owned(&texts), owned(&[MARKER_A])), "split at {split}");
    }
}

#[test]
fn completion_output_is_never_the_sentinel_or_postamble() {
    let run = run_a();
    let input = format!("echo hi\r\n{}hi\r\n{}$ ", run.echo(), run.sentinel);
    let mut filter = filter(&[&run]);
    let logged = text(&push_chunks(&mut filter, &[&input]));
    assert!(!logged.contains(&run.sentinel));
    assert!(!logged.contains("printf"));
    assert!(!logged.contains('\x1b'));
}
