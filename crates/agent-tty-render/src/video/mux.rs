//! A streaming WebM (Matroska) muxer for one video track.
//!
//! Layout: EBML header, then a Segment holding a SeekHead (Info, Tracks, Cues), Info
//! (1 ms timestamp scale, Duration), Tracks, Clusters of SimpleBlocks, and Cues (one
//! point per cluster, each cluster starting at a keyframe). Clusters are written as
//! they fill, with their size patched in place when they close, so memory stays flat;
//! the Segment size, Duration and the Cues position are patched at the end.

use std::io::{Seek, SeekFrom, Write};

use super::VideoError;

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const SEEK: u32 = 0x4DBB;
const SEEK_ID: u32 = 0x53AB;
const SEEK_POSITION: u32 = 0x53AC;
const INFO: u32 = 0x1549_A966;
const TRACKS: u32 = 0x1654_AE6B;
const CLUSTER: u32 = 0x1F43_B675;
const CUES: u32 = 0x1C53_BB6B;

/// Longest span of one cluster: block timestamps are signed 16-bit offsets.
const MAX_CLUSTER_SPAN_MS: u64 = 30_000;

/// Writes a WebM file to a seekable writer.
pub struct WebmWriter<W: Write + Seek> {
    out: W,
    /// File offset where the Segment's data starts (positions are relative to it).
    segment_data: u64,
    /// File offsets of the placeholders patched at the end.
    segment_size_at: u64,
    duration_at: u64,
    cues_position_at: u64,
    /// The open cluster: (file offset of its size field, start timestamp).
    cluster: Option<(u64, u64)>,
    /// (timestamp, cluster position relative to the segment data).
    cues: Vec<(u64, u64)>,
    position: u64,
    last_pts: Option<u64>,
}

impl<W: Write + Seek> WebmWriter<W> {
    /// Writes the headers for a `width`×`height` video in `codec_id` (e.g. `V_VP9`).
    pub fn new(mut out: W, codec_id: &str, width: u32, height: u32, app: &str) -> Result<Self, VideoError> {
        let start = out.stream_position()?;
        let mut head = Vec::new();
        let mut ebml = Vec::new();
        uint_element(&mut ebml, 0x4286, 1); // EBMLVersion
        uint_element(&mut ebml, 0x42F7, 1); // EBMLReadVersion
        uint_element(&mut ebml, 0x42F2, 4); // EBMLMaxIDLength
        uint_element(&mut ebml, 0x42F3, 8); // EBMLMaxSizeLength
        bytes_element(&mut ebml, 0x4282, b"webm"); // DocType
        uint_element(&mut ebml, 0x4287, 4); // DocTypeVersion
        uint_element(&mut ebml, 0x4285, 2); // DocTypeReadVersion
        bytes_element(&mut head, EBML, &ebml);

        write_id(&mut head, SEGMENT);
        let segment_size_at = start + head.len() as u64;
        head.extend_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); // unknown until the end
        let segment_data = start + head.len() as u64;

        // SeekHead with fixed-width (8-byte) positions so it can be patched in place.
        let mut info = Vec::new();
        uint_element(&mut info, 0x2A_D7B1, 1_000_000); // TimestampScale: 1 ms
        let duration_offset_in_info = info.len() as u64 + 3; // after ID (2) + size (1)
        float_element(&mut info, 0x4489, 0.0); // Duration, patched
        bytes_element(&mut info, 0x4D80, app.as_bytes()); // MuxingApp
        bytes_element(&mut info, 0x5741, app.as_bytes()); // WritingApp

        let mut video = Vec::new();
        uint_element(&mut video, 0xB0, u64::from(width)); // PixelWidth
        uint_element(&mut video, 0xBA, u64::from(height)); // PixelHeight
        let mut track = Vec::new();
        uint_element(&mut track, 0xD7, 1); // TrackNumber
        uint_element(&mut track, 0x73C5, 1); // TrackUID
        uint_element(&mut track, 0x83, 1); // TrackType: video
        uint_element(&mut track, 0x9C, 0); // FlagLacing
        bytes_element(&mut track, 0x86, codec_id.as_bytes()); // CodecID
        bytes_element(&mut track, 0xE0, &video);
        let mut tracks = Vec::new();
        bytes_element(&mut tracks, 0xAE, &track); // TrackEntry

        let seek_entry_len = |id: u32| {
            let mut entry = Vec::new();
            seek_entry(&mut entry, id, 0);
            entry.len()
        };
        let seek_head_body: usize = [INFO, TRACKS, CUES].iter().map(|id| seek_entry_len(*id)).sum();
        let mut probe = Vec::new();
        write_id(&mut probe, SEEK_HEAD);
        write_size(&mut probe, seek_head_body as u64);
        let seek_head_len = (probe.len() + seek_head_body) as u64;

        let info_pos = seek_head_len;
        let mut info_element = Vec::new();
        bytes_element(&mut info_element, INFO, &info);
        let info_header_len = info_element.len() as u64 - info.len() as u64;
        let tracks_pos = info_pos + info_element.len() as u64;

        let mut seek_head = Vec::new();
        seek_entry(&mut seek_head, INFO, info_pos);
        seek_entry(&mut seek_head, TRACKS, tracks_pos);
        let cues_entry_at = seek_head.len() as u64;
        seek_entry(&mut seek_head, CUES, 0);
        let mut seek_head_element = Vec::new();
        bytes_element(&mut seek_head_element, SEEK_HEAD, &seek_head);
        let seek_head_header_len = seek_head_element.len() as u64 - seek_head.len() as u64;
        // The Cues SeekPosition's 8 data bytes end its Seek entry.
        let cues_position_at =
            segment_data + seek_head_header_len + cues_entry_at + seek_entry_len(CUES) as u64 - 8;
        let duration_at = segment_data + info_pos + info_header_len + duration_offset_in_info;

        head.extend_from_slice(&seek_head_element);
        head.extend_from_slice(&info_element);
        bytes_element(&mut head, TRACKS, &tracks);
        out.write_all(&head)?;
        Ok(WebmWriter {
            out,
            segment_data,
            segment_size_at,
            duration_at,
            cues_position_at,
            cluster: None,
            cues: Vec::new(),
            position: start + head.len() as u64,
            last_pts: None,
        })
    }

    /// Appends one compressed frame. Timestamps must not decrease; the first frame
    /// must be a keyframe.
    pub fn frame(&mut self, data: &[u8], pts_ms: u64, keyframe: bool) -> Result<(), VideoError> {
        if self.last_pts.is_some_and(|last| pts_ms < last) {
            return Err(VideoError(format!("frame timestamps went backwards ({pts_ms} ms)")));
        }
        if self.cluster.is_none() && !keyframe {
            return Err(VideoError("the first frame of a WebM file must be a keyframe".into()));
        }
        let needs_cluster = match self.cluster {
            None => true,
            Some((_, start)) => keyframe || pts_ms - start > MAX_CLUSTER_SPAN_MS,
        };
        if needs_cluster {
            self.close_cluster()?;
            self.open_cluster(pts_ms, keyframe)?;
        }
        let start = self.cluster.map_or(pts_ms, |(_, start)| start);
        let mut block = Vec::with_capacity(data.len() + 16);
        write_id(&mut block, 0xA3); // SimpleBlock
        write_size(&mut block, 4 + data.len() as u64);
        block.push(0x81); // track 1
        block.extend_from_slice(&((pts_ms - start) as i16).to_be_bytes());
        block.push(if keyframe { 0x80 } else { 0x00 });
        self.write(&block)?;
        self.write(data)?;
        self.last_pts = Some(pts_ms);
        Ok(())
    }

    /// Writes the Cues, patches sizes, Duration (`duration_ms`) and the SeekHead, and
    /// returns the writer.
    pub fn finish(mut self, duration_ms: u64) -> Result<W, VideoError> {
        self.close_cluster()?;
        let cues_pos = self.position - self.segment_data;
        let mut cues = Vec::new();
        for (time, cluster) in &self.cues {
            let mut positions = Vec::new();
            uint_element(&mut positions, 0xF7, 1); // CueTrack
            uint_element(&mut positions, 0xF1, *cluster); // CueClusterPosition
            let mut point = Vec::new();
            uint_element(&mut point, 0xB3, *time); // CueTime
            bytes_element(&mut point, 0xB7, &positions); // CueTrackPositions
            bytes_element(&mut cues, 0xBB, &point); // CuePoint
        }
        let mut element = Vec::new();
        bytes_element(&mut element, CUES, &cues);
        self.write(&element)?;
        let end = self.position;
        self.patch(self.segment_size_at, &size_8(end - self.segment_data))?;
        self.patch(self.duration_at, &(duration_ms as f64).to_be_bytes())?;
        self.patch(self.cues_position_at, &cues_pos.to_be_bytes())?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn open_cluster(&mut self, pts_ms: u64, keyframe: bool) -> Result<(), VideoError> {
        let cluster_pos = self.position - self.segment_data;
        let mut head = Vec::new();
        write_id(&mut head, CLUSTER);
        let size_at = self.position + head.len() as u64;
        head.extend_from_slice(&size_8(0));
        uint_element(&mut head, 0xE7, pts_ms); // Timestamp
        self.write(&head)?;
        if keyframe {
            self.cues.push((pts_ms, cluster_pos));
        }
        self.cluster = Some((size_at, pts_ms));
        Ok(())
    }

    fn close_cluster(&mut self) -> Result<(), VideoError> {
        if let Some((size_at, _)) = self.cluster.take() {
            let size = self.position - (size_at + 8);
            self.patch(size_at, &size_8(size))?;
            self.out.seek(SeekFrom::Start(self.position))?;
        }
        Ok(())
    }

    fn patch(&mut self, at: u64, bytes: &[u8]) -> Result<(), VideoError> {
        self.out.seek(SeekFrom::Start(at))?;
        self.out.write_all(bytes)?;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), VideoError> {
        self.out.write_all(bytes)?;
        self.position += bytes.len() as u64;
        Ok(())
    }
}

fn seek_entry(out: &mut Vec<u8>, id: u32, position: u64) {
    let mut entry = Vec::new();
    let mut id_bytes = Vec::new();
    write_id(&mut id_bytes, id);
    bytes_element(&mut entry, SEEK_ID, &id_bytes);
    write_id(&mut entry, SEEK_POSITION);
    write_size(&mut entry, 8);
    entry.extend_from_slice(&position.to_be_bytes());
    bytes_element(out, SEEK, &entry);
}

fn write_id(out: &mut Vec<u8>, id: u32) {
    let bytes = id.to_be_bytes();
    let skip = bytes.iter().position(|b| *b != 0).unwrap_or(3);
    out.extend_from_slice(&bytes[skip..]);
}

/// The shortest EBML size vint for `size`.
fn write_size(out: &mut Vec<u8>, size: u64) {
    let mut len = 1;
    while len < 8 && size >= (1u64 << (7 * len)) - 1 {
        len += 1;
    }
    let marked = size | (1u64 << (7 * len));
    out.extend_from_slice(&marked.to_be_bytes()[8 - len..]);
}

/// An 8-byte EBML size vint (fixed width, for patching).
fn size_8(size: u64) -> [u8; 8] {
    let mut bytes = size.to_be_bytes();
    bytes[0] = 0x01;
    bytes
}

fn bytes_element(out: &mut Vec<u8>, id: u32, data: &[u8]) {
    write_id(out, id);
    write_size(out, data.len() as u64);
    out.extend_from_slice(data);
}

fn uint_element(out: &mut Vec<u8>, id: u32, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    bytes_element(out, id, &bytes[skip..]);
}

fn float_element(out: &mut Vec<u8>, id: u32, value: f64) {
    bytes_element(out, id, &value.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_the_shortest_vint() {
        let encode = |size| {
            let mut out = Vec::new();
            write_size(&mut out, size);
            out
        };
        assert_eq!(encode(0), [0x80]);
        assert_eq!(encode(126), [0xFE]);
        // 127 is reserved (all ones = unknown) in one byte.
        assert_eq!(encode(127), [0x40, 0x7F]);
        assert_eq!(encode(16_382), [0x7F, 0xFE]);
        assert_eq!(encode(16_383), [0x20, 0x3F, 0xFF]);
        assert_eq!(size_8(5), [0x01, 0, 0, 0, 0, 0, 0, 5]);
    }

    #[test]
    fn ids_and_uints_drop_leading_zero_bytes() {
        let mut out = Vec::new();
        uint_element(&mut out, 0xD7, 1);
        assert_eq!(out, [0xD7, 0x81, 0x01]);
        out.clear();
        uint_element(&mut out, 0x2A_D7B1, 1_000_000);
        assert_eq!(out, [0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40]);
        out.clear();
        uint_element(&mut out, 0xE7, 0);
        assert_eq!(out, [0xE7, 0x81, 0x00]);
    }

    #[test]
    fn a_file_has_patched_sizes_duration_and_cues() {
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut writer = WebmWriter::new(&mut cursor, "V_VP9", 64, 32, "test").unwrap();
        writer.frame(&[1, 2, 3], 0, true).unwrap();
        writer.frame(&[4, 5], 40, false).unwrap();
        writer.frame(&[6], 31_000, false).unwrap(); // past the cluster span: new cluster
        writer.frame(&[7], 31_500, true).unwrap();
        assert!(writer.frame(&[8], 100, false).is_err(), "timestamps may not go back");
        writer.finish(32_000).unwrap();
        let bytes = cursor.into_inner();
        assert_eq!(&bytes[..4], &EBML.to_be_bytes());
        let segment = bytes.windows(4).position(|w| w == SEGMENT.to_be_bytes()).unwrap();
        let size = u64::from_be_bytes(bytes[segment + 4..segment + 12].try_into().unwrap()) & !(0xFF << 56);
        assert_eq!(segment as u64 + 12 + size, bytes.len() as u64, "segment size covers the rest");
        let duration = bytes.windows(2).position(|w| w == [0x44, 0x89]).unwrap();
        let value = f64::from_be_bytes(bytes[duration + 3..duration + 11].try_into().unwrap());
        assert_eq!(value, 32_000.0);
        let clusters = bytes.windows(4).filter(|w| *w == CLUSTER.to_be_bytes()).count();
        assert_eq!(clusters, 3);
        // The SeekHead points at the Cues element, which lists the two keyframe clusters.
        let seek = bytes.windows(7).position(|w| w == [0x53, 0xAB, 0x84, 0x1C, 0x53, 0xBB, 0x6B]).unwrap();
        let cues_pos = u64::from_be_bytes(bytes[seek + 10..seek + 18].try_into().unwrap());
        let cues_at = bytes.windows(4).rposition(|w| w == CUES.to_be_bytes()).unwrap();
        assert_eq!(cues_at as u64, segment as u64 + 12 + cues_pos);
        let cue_times: Vec<u8> =
            bytes[cues_at..].windows(3).filter(|w| w[0] == 0xB3).map(|w| w[1]).collect::<Vec<_>>();
        assert_eq!(cue_times.len(), 2, "a cue point per keyframe cluster");
    }
}
