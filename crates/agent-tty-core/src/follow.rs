//! Event Log Follow: tailing a session's `events.jsonl` while its host appends to it.
//!
//! [`EventLogTail::poll`] reads whatever was appended since the previous call and decodes
//! only **complete**, newline-terminated lines: a torn write, or a multi-byte UTF-8
//! sequence split across two reads, stays in the tail's byte buffer until its newline
//! arrives. Blank lines are skipped, and so is a complete line that is not a valid event
//! record or whose seq does not move forward — corruption never stops the follow. The
//! rules (and reasons) are offline replay's, from [`crate::event_stream`]: a seq gap is
//! used and flagged, a duplicate or backwards seq skipped, and a line longer than
//! [`MAX_LINE_BYTES`] is dropped as it arrives instead of being buffered whole. What
//! was skipped is kept in [`EventLogTail::damage`] (reset when the tail restarts).
//!
//! The file's fate is reported as a [`FollowState`]: missing and never seen is
//! [`Pending`](FollowState::Pending) (the host has not created it yet); missing after
//! having been seen is [`Collected`](FollowState::Collected) (the session was garbage
//! collected; the read offset is reset, so a re-created file is read from its start). A
//! file shorter than the read offset, or a different file now at the path (another
//! device/inode), was rewritten: the tail restarts at offset 0 and bumps
//! [`EventLogTail::restarts`] so a consumer can discard what it built from the old file.
//!
//! Each poll reads at most `max_bytes`, so a writer producing megabytes per second cannot
//! starve the caller; [`EventLogTail::has_more`] says when the file holds more already.
//! The tail re-opens the file on every poll (a kept handle would never notice deletion);
//! it never writes.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::event_log::EventRecord;
use crate::event_stream::{Damage, MAX_LINE_BYTES, Sequencer, parse_record};

/// What [`EventLogTail::poll`] found at the log's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowState {
    /// The file does not exist and never has (as far as this tail saw).
    Pending,
    /// The file exists and is being followed.
    Active,
    /// The file existed and has vanished: the session's Event Log was collected.
    Collected,
}

/// A tail of one Event Log file (see the module docs).
#[derive(Debug)]
pub struct EventLogTail {
    path: PathBuf,
    /// Bytes of the file consumed into `buf` so far.
    offset: u64,
    /// Bytes read but not yet decoded: the start of an incomplete last line.
    buf: Vec<u8>,
    /// Whether the file has ever been found.
    seen: bool,
    /// `(dev, ino)` of the file last read, to notice a replacement.
    identity: Option<(u64, u64)>,
    /// Whether the file was longer than `offset` after the last poll.
    has_more: bool,
    /// Times the tail went back to offset 0 after having read from a file.
    restarts: u64,
    /// The last I/O error other than "not found", cleared by the next successful poll.
    error: Option<String>,
    /// Complete lines decoded from the current file so far.
    lines: u64,
    /// The start of an over-long line was dropped; its rest runs to the next newline.
    discarding: bool,
    /// Seq rules of the current file.
    sequencer: Sequencer,
    /// What was skipped in the current file.
    damage: Damage,
}

impl EventLogTail {
    /// A tail of the log at `path`, starting at its beginning. Nothing is read yet.
    pub fn new(path: PathBuf) -> Self {
        EventLogTail {
            path,
            offset: 0,
            buf: Vec::new(),
            seen: false,
            identity: None,
            has_more: false,
            restarts: 0,
            error: None,
            lines: 0,
            discarding: false,
            sequencer: Sequencer::default(),
            damage: Damage::default(),
        }
    }

    /// The lines skipped (or distrusted) in the current file so far. A line still being
    /// written is never counted.
    pub fn damage(&self) -> &Damage {
        &self.damage
    }

    /// Reads what was appended since the last call: only complete newline-terminated lines
    /// are decoded (a torn write or a UTF-8 sequence split across reads is never decoded
    /// early); blank lines skipped; invalid lines skipped. Missing & never seen ⇒ Pending;
    /// missing after seen ⇒ Collected (offset reset); file shorter than the offset ⇒ restart
    /// at 0. At most `max_bytes` are read per call (so a 10 MB/s writer cannot starve the
    /// UI); call again to continue.
    ///
    /// An I/O error other than "not found" reads nothing, keeps the position, reports the
    /// state as it was (Active once seen, else Pending) and is kept in
    /// [`EventLogTail::error`] until a poll succeeds.
    pub fn poll(&mut self, max_bytes: usize) -> (Vec<EventRecord>, FollowState) {
        match self.read_new(max_bytes) {
            Ok(Some(bytes)) => {
                self.error = None;
                (self.decode(bytes), FollowState::Active)
            }
            Ok(None) => {
                self.error = None;
                self.has_more = false;
                if self.seen {
                    self.rewind();
                    (Vec::new(), FollowState::Collected)
                } else {
                    (Vec::new(), FollowState::Pending)
                }
            }
            Err(e) => {
                self.error = Some(format!("cannot read {}: {e}", self.path.display()));
                self.has_more = false;
                let state = if self.seen { FollowState::Active } else { FollowState::Pending };
                (Vec::new(), state)
            }
        }
    }

    /// True when the last poll stopped at `max_bytes` with more of the file left to read.
    pub fn has_more(&self) -> bool {
        self.has_more
    }

    /// How many times the tail restarted at offset 0 after having read from a file: the
    /// file was truncated, replaced, or deleted and re-created. Records returned after a
    /// restart come from the new file's beginning.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// The last I/O error other than "not found", if the latest poll hit one.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The followed path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends up to `max_bytes` new bytes to `buf`; `None` when the file is missing.
    /// Returns how many bytes were appended.
    fn read_new(&mut self, max_bytes: usize) -> std::io::Result<Option<usize>> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        let identity = (meta.dev(), meta.ino());
        let replaced = self.identity.is_some_and(|known| known != identity);
        if replaced || meta.len() < self.offset {
            self.rewind();
        }
        self.seen = true;
        self.identity = Some(identity);
        let available = meta.len() - self.offset;
        let want = available.min(u64::try_from(max_bytes).unwrap_or(u64::MAX));
        if want == 0 {
            self.has_more = false;
            return Ok(Some(0));
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let before = self.buf.len();
        // `take` bounds the read; a file that shrank meanwhile just yields fewer bytes.
        (&mut file).take(want).read_to_end(&mut self.buf)?;
        let got = self.buf.len() - before;
        self.offset += got as u64;
        self.has_more = self.offset < meta.len();
        Ok(Some(got))
    }

    /// Goes back to the start of the file, dropping undecoded bytes.
    fn rewind(&mut self) {
        if self.offset > 0 || !self.buf.is_empty() {
            self.restarts += 1;
        }
        self.offset = 0;
        self.buf.clear();
        self.identity = None;
        self.lines = 0;
        self.discarding = false;
        self.sequencer = Sequencer::default();
        self.damage = Damage::default();
    }

    /// Decodes the complete lines in `buf`, keeping an incomplete last line.
    fn decode(&mut self, appended: usize) -> Vec<EventRecord> {
        if appended == 0 {
            return Vec::new();
        }
        // Only the appended bytes can hold a new newline.
        let search_from = self.buf.len() - appended;
        let mut records = Vec::new();
        if let Some(last_newline) = self.buf[search_from..].iter().rposition(|&b| b == b'\n') {
            let complete = search_from + last_newline + 1;
            let buf = std::mem::take(&mut self.buf);
            for line in buf[..complete].split_inclusive(|&b| b == b'\n') {
                if let Some(record) = self.decode_line(line) {
                    records.push(record);
                }
            }
            self.buf = buf;
            self.buf.drain(..complete);
        }
        if self.buf.len() > MAX_LINE_BYTES {
            // An over-long line: counted once, dropped as it arrives.
            if !self.discarding {
                let why = format!("the line is over the {MAX_LINE_BYTES}-byte line limit");
                self.damage.skip(self.lines + 1, false, why);
                self.discarding = true;
            }
            self.buf.clear();
        }
        records
    }

    /// One complete line as a record; `None` for a blank, damaged or out-of-sequence line
    /// (recorded in `damage`) or the rest of an over-long line.
    fn decode_line(&mut self, line: &[u8]) -> Option<EventRecord> {
        self.lines += 1;
        if std::mem::take(&mut self.discarding) || line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let (record, ts_ms) = match parse_record(line) {
            Ok(parsed) => parsed,
            Err(why) => {
                self.damage.skip(self.lines, false, why);
                return None;
            }
        };
        self.sequencer.admit(self.lines, record.seq, ts_ms, &mut self.damage)?;
        Some(record)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::event_log::Event;

    fn line(seq: u64, data: &str) -> String {
        let data = serde_json::to_string(data).unwrap();
        format!(
            r#"{{"seq":{seq},"ts":"2024-05-01T10:00:00.000Z","type":"output","payload":{{"data":{data}}}}}"#
        ) + "\n"
    }

    fn append(path: &std::path::Path, bytes: &[u8]) {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        file.write_all(bytes).unwrap();
    }

    fn data(records: &[EventRecord]) -> Vec<String> {
        records
            .iter()
            .map(|r| match &r.event {
                Event::Output { data } => data.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn decodes_only_complete_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut tail = EventLogTail::new(path.clone());
        let full = line(0, "hello");
        let (head, rest) = full.split_at(20);
        append(&path, head.as_bytes());
        assert_eq!(tail.poll(1 << 20), (vec![], FollowState::Active));
        append(&path, rest.as_bytes());
        let (records, state) = tail.poll(1 << 20);
        assert_eq!((data(&records), state), (vec!["hello".to_string()], FollowState::Active));
        assert_eq!(records[0].seq, 0);
        assert_eq!(tail.poll(1 << 20), (vec![], FollowState::Active));
    }

    #[test]
    fn utf8_split_across_writes_is_decoded_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut tail = EventLogTail::new(path.clone());
        let full = line(0, "né — 日本");
        let cut = full.find('日').unwrap() + 1; // inside the 3-byte sequence
        append(&path, &full.as_bytes()[..cut]);
        assert!(tail.poll(1 << 20).0.is_empty());
        append(&path, &full.as_bytes()[cut..]);
        assert_eq!(data(&tail.poll(1 << 20).0), vec!["né — 日本".to_string()]);
    }

    #[test]
    fn blank_and_corrupt_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut text = line(0, "a");
        text += "\n   \n{not json}\n";
        text += r#"{"seq":1,"ts":"x","type":"nope","payload":{}}"#;
        text += "\n\u{0}\u{ff}\n";
        text += &line(2, "b");
        append(&path, text.as_bytes());
        append(&path, b"\xff\xfe\n");
        let mut tail = EventLogTail::new(path);
        assert_eq!(data(&tail.poll(1 << 20).0), vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn pending_active_collected_and_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut tail = EventLogTail::new(path.clone());
        assert_eq!(tail.poll(1 << 20), (vec![], FollowState::Pending));
        assert_eq!(tail.poll(1 << 20), (vec![], FollowState::Pending));
        append(&path, line(0, "one").as_bytes());
        assert_eq!(data(&tail.poll(1 << 20).0), vec!["one".to_string()]);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(tail.poll(1 << 20), (vec![], FollowState::Collected));
        assert_eq!(tail.poll(1 << 20), (vec![], FollowState::Collected));
        assert_eq!(tail.restarts(), 1);
        append(&path, line(0, "two").as_bytes());
        let (records, state) = tail.poll(1 << 20);
        assert_eq!((data(&records), state), (vec!["two".to_string()], FollowState::Active));
    }

    #[test]
    fn damage_is_counted_and_over_long_lines_are_never_buffered_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut tail = EventLogTail::new(path.clone());
        append(&path, (line(0, "a") + &line(0, "dup") + "\0junk\n" + &line(1, "b")).as_bytes());
        assert_eq!(data(&tail.poll(1 << 20).0), ["a", "b"], "the duplicate and the junk are skipped");
        assert_eq!(
            (tail.damage().skipped_lines, tail.damage().first_bad().unwrap()),
            (2, (2, "duplicate seq 0"))
        );
        // A line longer than the limit, arriving in pieces: dropped as it comes.
        let piece = vec![b'x'; MAX_LINE_BYTES / 2 + 1];
        for _ in 0..4 {
            append(&path, &piece);
            loop {
                assert!(tail.poll(1 << 20).0.is_empty());
                assert!(tail.buf.len() <= MAX_LINE_BYTES, "{} bytes held", tail.buf.len());
                if !tail.has_more() {
                    break;
                }
            }
        }
        append(&path, format!("tail of the long line\n{}", line(2, "c")).as_bytes());
        let mut seen = Vec::new();
        loop {
            seen.extend(data(&tail.poll(1 << 20).0));
            if !tail.has_more() {
                break;
            }
        }
        assert_eq!(seen, ["c"], "the line after the long one is decoded");
        assert_eq!(tail.damage().skipped_lines, 3, "the long line counts once");
        std::fs::write(&path, line(0, "fresh")).unwrap();
        assert_eq!(data(&tail.poll(1 << 20).0), ["fresh"]);
        assert!(tail.damage().is_clean(), "a restart starts a clean count");
    }

    #[test]
    fn truncation_and_replacement_restart_at_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut tail = EventLogTail::new(path.clone());
        append(&path, (line(0, "a") + &line(1, "b")).as_bytes());
        assert_eq!(tail.poll(1 << 20).0.len(), 2);
        std::fs::write(&path, line(0, "c")).unwrap();
        assert_eq!(data(&tail.poll(1 << 20).0), vec!["c".to_string()]);
        assert_eq!(tail.restarts(), 1);
        // A different file, longer than the offset, renamed over the path.
        let other = dir.path().join("new.jsonl");
        std::fs::write(&other, line(0, "dddddddddddddddddddd") + &line(1, "e")).unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_eq!(data(&tail.poll(1 << 20).0), vec!["dddddddddddddddddddd".to_string(), "e".to_string()]);
        assert_eq!(tail.restarts(), 2);
    }

    #[test]
    fn max_bytes_bounds_each_poll() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let lines: Vec<String> = (0..10).map(|i| line(i, &format!("line {i}"))).collect();
        append(&path, lines.concat().as_bytes());
        let mut tail = EventLogTail::new(path);
        let budget = lines[0].len() * 3 + 5;
        let mut seen = Vec::new();
        let mut polls = 0;
        loop {
            let (records, state) = tail.poll(budget);
            assert_eq!(state, FollowState::Active);
            polls += 1;
            seen.extend(records.into_iter().map(|r| r.seq));
            if !tail.has_more() {
                break;
            }
        }
        assert_eq!(seen, (0..10).collect::<Vec<u64>>());
        assert_eq!(polls, 4);
        assert!(tail.error().is_none());
    }
}
