//! Points in a session's history: a seq of its Event Log, or a time (absolute, or
//! relative to the log's start or end), resolved against the log into the seq to show.
//! Used by `snapshot --at-seq/--at-time`, `screenshot`, `diff`, `find` and clipped exports.

use std::path::Path;

use crate::checkpoint;
use crate::error::{Error, Result};
use crate::event_stream::{self, Damage, StreamError};

/// A point in a session's history, as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// This seq.
    Seq(u64),
    /// The last event at or before this time (ms since the epoch).
    At(u64),
    /// The last event at or before this long after the first event.
    AfterStart(u64),
    /// The last event at or before this long before the last event.
    BeforeEnd(u64),
}

impl Point {
    /// Parses a seq flag's value (a non-negative integer).
    pub fn parse_seq(flag: &str, raw: &str) -> Result<Point> {
        let raw_trimmed = raw.trim();
        if raw_trimmed.is_empty() || !raw_trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input(format!(
                "{flag} must be a seq of the event log (a non-negative integer); got {raw:?}."
            ))
            .with(flag.trim_start_matches('-'), raw));
        }
        raw_trimmed.parse().map(Point::Seq).map_err(|_| {
            Error::invalid_input(format!("{flag} is too large: {raw:?}."))
                .with(flag.trim_start_matches('-'), raw)
        })
    }

    /// Parses a value that is a seq (digits only) or else a time (see
    /// [`Point::parse_time`]), as `diff --from/--to` take.
    pub fn parse_any(flag: &str, raw: &str) -> Result<Point> {
        let text = raw.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Point::parse_seq(flag, raw);
        }
        Point::parse_time(flag, raw).map_err(|_| {
            Error::invalid_input(format!(
                "{flag} must be a seq of the event log (42), an ISO time (2026-12-06T10:00:00.000Z), \
                 or a duration before the end (-30s) or after the start (+2m); got {raw:?}."
            ))
            .with(flag.trim_start_matches('-'), raw)
        })
    }

    /// Parses a time flag's value: an ISO time (`2026-12-06T10:00:00.000Z`), or a duration
    /// before the end (`-30s`) or after the start (`+2m`) of the log.
    pub fn parse_time(flag: &str, raw: &str) -> Result<Point> {
        let text = raw.trim();
        let relative = |rest: &str| crate::duration::parse_duration_ms(rest).ok();
        let point = if let Some(rest) = text.strip_prefix('-') {
            relative(rest).map(Point::BeforeEnd)
        } else if let Some(rest) = text.strip_prefix('+') {
            relative(rest).map(Point::AfterStart)
        } else {
            crate::time::parse_iso(text).map(Point::At)
        };
        point.ok_or_else(|| {
            Error::invalid_input(format!(
                "{flag} must be an ISO time (2026-12-06T10:00:00.000Z), or a duration before the end \
                 (-30s) or after the start (+2m) of the session; got {raw:?}."
            ))
            .with(flag.trim_start_matches('-'), raw)
        })
    }
}

/// The seqs and times a log spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first usable event's seq.
    pub first_seq: u64,
    /// The last usable event's seq.
    pub last_seq: u64,
    /// The first event's time (ms since the epoch).
    pub first_ms: u64,
    /// The last event's time.
    pub last_ms: u64,
}

impl Span {
    /// Adds the event at `seq`, `ts_ms` (read in order) to `span`.
    fn extend(span: &mut Option<Span>, seq: u64, ts_ms: u64) {
        let span =
            span.get_or_insert(Span { first_seq: seq, last_seq: seq, first_ms: ts_ms, last_ms: ts_ms });
        span.last_seq = seq;
        span.last_ms = ts_ms;
    }
}

/// Resolves `point` against the log at `path`: the seq to show, and what reading the log
/// had to skip. A point outside the log is `INVALID_INPUT` naming the valid range.
pub fn resolve(path: &Path, point: Point) -> Result<(u64, Damage)> {
    resolve_at(path, point).map(|resolved| (resolved.seq, resolved.damage))
}

/// A point resolved against a log.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The seq to show.
    pub seq: u64,
    /// Its event's time (ms since the epoch).
    pub ts_ms: u64,
    /// What the read of the log skipped.
    pub damage: Damage,
}

/// [`resolve`], with the time of the seq. Reads the log from the last screen checkpoint
/// before the point (see [`crate::checkpoint::seek`]), so a point late in a long log
/// costs a short read.
pub fn resolve_at(path: &Path, point: Point) -> Result<Resolved> {
    let target_ms = match point {
        Point::Seq(seq) => return resolve_seq(path, seq),
        Point::At(ms) => ms,
        Point::AfterStart(ms) => {
            let first = first_event(path)?.ok_or_else(no_events)?;
            first.1.saturating_add(ms)
        }
        Point::BeforeEnd(ms) => {
            let (first, last) = (first_event(path)?.ok_or_else(no_events)?, last_event(path)?);
            let last = last.unwrap_or(first);
            last.1
                .checked_sub(ms)
                .filter(|&t| t >= first.1)
                .ok_or_else(|| out_of_range(path, &format!("{ms} ms before the end")))?
        }
    };
    resolve_time(path, target_ms)
}

fn no_events() -> Error {
    Error::invalid_input("The session's event log has no events yet: there is no point in it to show.")
}

fn read_error(path: &Path, why: &str) -> Error {
    Error::new(
        crate::error::ErrorCode::ReplayError,
        format!("Cannot read the event log {}: {why}", path.display()),
    )
}

/// Streams the log from `resume` until `visit` says stop (`Err(())`); stopping is not
/// an error. The damage seen, when the read went to the end.
fn read(
    path: &Path,
    resume: Option<event_stream::Resume>,
    visit: impl FnMut(event_stream::StreamedLine<'_>) -> std::result::Result<(), ()>,
) -> Result<Damage> {
    match event_stream::stream_from(path, resume, visit) {
        Ok(streamed) => Ok(streamed.damage),
        // Stopped early at the answer; the replay that follows reports the damage it reads.
        Err(StreamError::Visitor(())) => Ok(Damage::default()),
        Err(StreamError::Io(why)) => Err(read_error(path, &why)),
    }
}

/// The seq `seq`, checked to be in the log, with its time.
fn resolve_seq(path: &Path, seq: u64) -> Result<Resolved> {
    let start = checkpoint::seek(path, |p| p.seq <= seq);
    if let Some(start) = start.as_ref().filter(|start| start.position.seq == seq) {
        return Ok(Resolved { seq, ts_ms: start.position.ts_ms, damage: start.damage.clone() });
    }
    let (mut first, mut found) = (start.as_ref().map(|s| s.position.seq), None);
    let damage = read(path, start.map(|s| s.resume()), |line| {
        first.get_or_insert(line.seq.get());
        if line.seq.get() >= seq {
            found = (line.seq.get() == seq).then_some(line.ts_ms);
            return Err(());
        }
        Ok(())
    })?;
    match found {
        Some(ts_ms) if first.is_some_and(|first| first <= seq) => Ok(Resolved { seq, ts_ms, damage }),
        _ if first.is_none() => Err(no_events()),
        _ => Err(out_of_range(path, &format!("seq {seq}"))),
    }
}

/// The last event at or before `target_ms` (times never decrease in a read log).
fn resolve_time(path: &Path, target_ms: u64) -> Result<Resolved> {
    let start = checkpoint::seek(path, |p| p.ts_ms <= target_ms);
    let mut candidate = start.as_ref().map(|s| (s.position.seq, s.position.ts_ms));
    let mut any = candidate.is_some();
    let damage = read(path, start.as_ref().map(checkpoint::Header::resume), |line| {
        any = true;
        if line.ts_ms > target_ms {
            return Err(()); // nothing later can be at or before it
        }
        candidate = Some((line.seq.get(), line.ts_ms));
        Ok(())
    })?;
    let damage = match &start {
        Some(start) if damage.is_clean() => start.damage.clone(),
        _ => damage,
    };
    match candidate {
        Some((seq, ts_ms)) => Ok(Resolved { seq, ts_ms, damage }),
        None if !any => Err(no_events()),
        None => Err(out_of_range(path, &format!("time {}", crate::time::format_iso(target_ms)))),
    }
}

/// The first event's seq and time.
fn first_event(path: &Path) -> Result<Option<(u64, u64)>> {
    let mut first = None;
    read(path, None, |line| {
        first = Some((line.seq.get(), line.ts_ms));
        Err(())
    })?;
    Ok(first)
}

/// The last event's seq and time, read from the last checkpoint on.
fn last_event(path: &Path) -> Result<Option<(u64, u64)>> {
    let start = checkpoint::seek(path, |_| true);
    let mut last = start.as_ref().map(|s| (s.position.seq, s.position.ts_ms));
    read(path, start.map(|s| s.resume()), |line| {
        last = Some((line.seq.get(), line.ts_ms));
        Ok(())
    })?;
    Ok(last)
}

/// The seqs and times the whole log spans (read to its end; for error messages).
fn span_of(path: &Path) -> Option<Span> {
    let mut span: Option<Span> = None;
    let _ = event_stream::stream::<()>(path, None, |line| {
        Span::extend(&mut span, line.seq.get(), line.ts_ms);
        Ok(())
    });
    span
}

fn out_of_range(path: &Path, what: &str) -> Error {
    let Some(span) = span_of(path) else {
        return Error::invalid_input(format!(
            "{what} is outside the session's event log, which has no events."
        ));
    };
    let span = &span;
    Error::invalid_input(format!(
        "{what} is outside the session's event log: valid seqs are {}–{}, times {} – {}.",
        span.first_seq,
        span.last_seq,
        crate::time::format_iso(span.first_ms),
        crate::time::format_iso(span.last_ms)
    ))
    .with("firstSeq", span.first_seq)
    .with("lastSeq", span.last_seq)
    .with("firstTime", crate::time::format_iso(span.first_ms))
    .with("lastTime", crate::time::format_iso(span.last_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[(u64, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let text: String = lines
            .iter()
            .map(|(seq, ts)| {
                format!(
                    "{{\"seq\":{seq},\"ts\":\"{ts}\",\"type\":\"output\",\"payload\":{{\"data\":\"x\"}}}}\n"
                )
            })
            .collect();
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn seqs_and_times_resolve_and_out_of_range_names_the_range() {
        let (_dir, path) = log(&[
            (0, "2026-01-01T00:00:00.000Z"),
            (1, "2026-01-01T00:00:10.000Z"),
            (2, "2026-01-01T00:00:20.000Z"),
        ]);
        assert_eq!(resolve(&path, Point::Seq(1)).unwrap().0, 1);
        let resolved = resolve_at(&path, Point::Seq(1)).unwrap();
        assert_eq!(crate::time::format_iso(resolved.ts_ms), "2026-01-01T00:00:10.000Z");
        let resolved = resolve_at(&path, Point::parse_any("--from", "-15s").unwrap()).unwrap();
        assert_eq!(
            (resolved.seq, crate::time::format_iso(resolved.ts_ms).as_str()),
            (0, "2026-01-01T00:00:00.000Z")
        );
        assert_eq!(Point::parse_any("--from", "12").unwrap(), Point::Seq(12));
        assert!(Point::parse_any("--from", "soon").unwrap_err().message.contains("a seq of the event log"));
        let error = resolve(&path, Point::Seq(3)).unwrap_err();
        assert!(error.message.contains("valid seqs are 0–2"), "{}", error.message);
        let at = Point::parse_time("--at-time", "2026-01-01T00:00:15.000Z").unwrap();
        assert_eq!(resolve(&path, at).unwrap().0, 1);
        assert_eq!(resolve(&path, Point::parse_time("--at-time", "-5s").unwrap()).unwrap().0, 1);
        assert_eq!(resolve(&path, Point::parse_time("--at-time", "+10s").unwrap()).unwrap().0, 1);
        assert_eq!(resolve(&path, Point::parse_time("--at-time", "-0s").unwrap()).unwrap().0, 2);
        assert!(resolve(&path, Point::parse_time("--at-time", "-1m").unwrap()).is_err());
        assert!(resolve(&path, Point::parse_time("--at-time", "2025-01-01T00:00:00.000Z").unwrap()).is_err());
    }

    #[test]
    fn bad_values_say_what_is_accepted() {
        assert!(Point::parse_seq("--at-seq", "-1").unwrap_err().message.contains("non-negative integer"));
        assert!(Point::parse_seq("--at-seq", "1.5").is_err());
        assert!(Point::parse_time("--at-time", "yesterday").unwrap_err().message.contains("ISO time"));
        assert_eq!(Point::parse_seq("--at-seq", " 7").unwrap(), Point::Seq(7));
    }

    #[test]
    fn points_resolve_the_same_through_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::paths::SessionPaths::new(&dir.path().join("home"), "01M94WZCBG0WTJCRZXCEFT4127");
        std::fs::create_dir_all(&paths.dir).unwrap();
        // 60 events 1.5 s apart, some at the same time; a garbage line after event 25.
        let mut text = String::new();
        let mut ends = Vec::new();
        for seq in 0..60u64 {
            let ms = 1_767_225_600_000 + (seq / 2) * 3000;
            let ts = crate::time::format_iso(ms);
            let line = format!(
                "{{\"seq\":{seq},\"ts\":\"{ts}\",\"type\":\"output\",\"payload\":{{\"data\":\"x\"}}}}\n"
            );
            text.push_str(&line);
            ends.push((seq, ms, text.lines().count() as u64, text.len() as u64, line.len() as u64));
            if seq == 25 {
                text.push_str("garbage\n");
            }
        }
        std::fs::write(&paths.events, &text).unwrap();
        let points: Vec<Point> = (0..62)
            .map(Point::Seq)
            .chain((0..100).map(|i| Point::At(1_767_225_600_000 - 2000 + i * 1000)))
            .chain((0..30).map(|i| Point::BeforeEnd(i * 3000)))
            .chain((0..30).map(|i| Point::AfterStart(i * 3000)))
            .collect();
        let outcome = |point: &Point| match resolve_at(&paths.events, *point) {
            Ok(resolved) => Ok((resolved.seq, resolved.ts_ms)),
            Err(error) => Err(error.message.clone()),
        };
        let plain: Vec<_> = points.iter().map(outcome).collect();
        let log = std::fs::File::open(&paths.events).unwrap();
        let damage = crate::event_stream::Damage::default();
        for &(seq, ts_ms, line, offset, line_len) in ends.iter().filter(|e| [10, 20, 30, 45].contains(&e.0)) {
            let position = checkpoint::Position { seq, ts_ms, line, offset, line_len };
            checkpoint::write(&paths, checkpoint::Kind::Screen, &log, &position, &damage, b"screen").unwrap();
        }
        assert_eq!(checkpoint::seek(&paths.events, |p| p.seq <= 33).map(|h| h.position.seq), Some(30));
        let through: Vec<_> = points.iter().map(outcome).collect();
        for ((point, plain), through) in points.iter().zip(&plain).zip(&through) {
            assert_eq!(plain, through, "{point:?}");
        }
        assert!(plain.iter().filter(|r| r.is_err()).count() >= 4, "out-of-range points are checked too");
    }
}
