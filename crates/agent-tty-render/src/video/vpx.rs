//! The VP9 encoder: a safe wrapper over `csrc/vpx_shim.c` (libvpx), plus the RGB →
//! I420 (BT.601, studio range) conversion it needs.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_uint, c_ulong, c_void};

use super::VideoError;
use crate::canvas::Canvas;

unsafe extern "C" {
    fn agent_tty_vpx_version() -> *const c_char;
    fn agent_tty_vpx_open(
        out: *mut *mut c_void,
        width: c_uint,
        height: c_uint,
        threads: c_uint,
        cq_level: c_uint,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn agent_tty_vpx_encode(
        encoder: *mut c_void,
        planes: *mut u8,
        pts: i64,
        duration: c_ulong,
        force_key: c_int,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn agent_tty_vpx_next_packet(
        encoder: *mut c_void,
        data: *mut *const u8,
        len: *mut usize,
        pts: *mut i64,
        keyframe: *mut c_int,
    ) -> c_int;
    fn agent_tty_vpx_close(encoder: *mut c_void);
}

/// The linked libvpx's version string (e.g. `v1.12.0`).
pub fn version() -> String {
    // SAFETY: libvpx returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(agent_tty_vpx_version()) }.to_string_lossy().into_owned()
}

/// One compressed frame.
#[derive(Debug)]
pub struct Packet<'a> {
    /// The VP9 bitstream of the frame.
    pub data: &'a [u8],
    /// Presentation time in ms.
    pub pts_ms: u64,
    /// Whether the frame is a keyframe.
    pub keyframe: bool,
}

/// A VP9 encoder in realtime, constant-quality, screen-content mode.
pub struct Vp9Encoder {
    raw: *mut c_void,
    width: u32,
    height: u32,
    /// The frame being encoded: Y plane, then U, then V.
    i420: Vec<u8>,
}

impl Vp9Encoder {
    /// Starts an encoder for `width`×`height` frames (both even) with ms timestamps.
    pub fn new(width: u32, height: u32) -> Result<Vp9Encoder, VideoError> {
        // The I420 layout below (and what libvpx reads from it) assumes even sizes.
        if width == 0 || height == 0 || width % 2 == 1 || height % 2 == 1 {
            return Err(VideoError(format!(
                "VP9 frames must have even, nonzero sizes, not {width}x{height}"
            )));
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) as c_uint;
        let mut raw = std::ptr::null_mut();
        let mut err = [0 as c_char; 256];
        // SAFETY: `raw` and `err` are valid for writes; the shim owns what it allocates.
        let rc =
            unsafe { agent_tty_vpx_open(&mut raw, width, height, threads, 12, err.as_mut_ptr(), err.len()) };
        if rc != 0 || raw.is_null() {
            return Err(VideoError(message(&err)));
        }
        let (cw, ch) = (width.div_ceil(2) as usize, height.div_ceil(2) as usize);
        let i420 = vec![0u8; width as usize * height as usize + 2 * cw * ch];
        Ok(Vp9Encoder { raw, width, height, i420 })
    }

    /// Encodes `canvas` at `pts_ms`, shown for `duration_ms`, and hands each
    /// compressed packet to `sink`.
    pub fn encode(
        &mut self,
        canvas: &Canvas,
        pts_ms: u64,
        duration_ms: u64,
        force_key: bool,
        sink: &mut dyn FnMut(Packet<'_>) -> Result<(), VideoError>,
    ) -> Result<(), VideoError> {
        if (canvas.width, canvas.height) != (self.width, self.height) {
            return Err(VideoError(format!(
                "frame is {}x{}, the video is {}x{}",
                canvas.width, canvas.height, self.width, self.height
            )));
        }
        rgb_to_i420(canvas, &mut self.i420);
        let planes = self.i420.as_mut_ptr();
        self.run(planes, pts_ms, duration_ms.max(1), force_key, sink)
    }

    /// Drains the encoder (frames it still holds) into `sink`.
    pub fn flush(
        &mut self,
        sink: &mut dyn FnMut(Packet<'_>) -> Result<(), VideoError>,
    ) -> Result<(), VideoError> {
        self.run(std::ptr::null_mut(), 0, 0, false, sink)
    }

    fn run(
        &mut self,
        planes: *mut u8,
        pts_ms: u64,
        duration_ms: u64,
        force_key: bool,
        sink: &mut dyn FnMut(Packet<'_>) -> Result<(), VideoError>,
    ) -> Result<(), VideoError> {
        let mut err = [0 as c_char; 256];
        let pts = i64::try_from(pts_ms).map_err(|_| VideoError("timestamp out of range".into()))?;
        // SAFETY: `raw` is a live encoder; `planes` is null or points at `i420`, which
        // holds a full I420 frame of the encoder's size and outlives the call.
        let rc = unsafe {
            agent_tty_vpx_encode(
                self.raw,
                planes,
                pts,
                duration_ms as c_ulong,
                c_int::from(force_key),
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc != 0 {
            return Err(VideoError(message(&err)));
        }
        loop {
            let (mut data, mut len, mut pts, mut key) = (std::ptr::null(), 0usize, 0i64, 0 as c_int);
            // SAFETY: out-pointers are valid; the packet stays valid until the next
            // call into the encoder, and `sink` gets it only for this iteration.
            let got = unsafe { agent_tty_vpx_next_packet(self.raw, &mut data, &mut len, &mut pts, &mut key) };
            if got == 0 {
                return Ok(());
            }
            // SAFETY: libvpx returned `len` readable bytes at `data`.
            let data = unsafe { std::slice::from_raw_parts(data, len) };
            sink(Packet { data, pts_ms: pts.max(0) as u64, keyframe: key != 0 })?;
        }
    }
}

impl Drop for Vp9Encoder {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `agent_tty_vpx_open` and is closed once.
        unsafe { agent_tty_vpx_close(self.raw) }
    }
}

fn message(err: &[c_char]) -> String {
    let bytes: Vec<u8> = err.iter().take_while(|c| **c != 0).map(|c| *c as u8).collect();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if text.is_empty() { "libvpx failed".to_string() } else { text }
}

/// Converts RGB8 to I420 with BT.601 studio-range coefficients (chroma averaged over
/// each 2×2 block); `out` holds Y, then U, then V.
pub fn rgb_to_i420(canvas: &Canvas, out: &mut [u8]) {
    let (w, h) = (canvas.width as usize, canvas.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let (y_plane, chroma) = out.split_at_mut(w * h);
    let (u_plane, v_plane) = chroma.split_at_mut(cw * ch);
    let px = &canvas.pixels;
    for y in 0..h {
        let row = &px[y * w * 3..(y + 1) * w * 3];
        let out_row = &mut y_plane[y * w..(y + 1) * w];
        for (x, rgb) in row.chunks_exact(3).enumerate() {
            let (r, g, b) = (i32::from(rgb[0]), i32::from(rgb[1]), i32::from(rgb[2]));
            out_row[x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
        }
    }
    for cy in 0..ch {
        let y0 = cy * 2;
        let y1 = (y0 + 1).min(h - 1);
        for cx in 0..cw {
            let x0 = cx * 2;
            let x1 = (x0 + 1).min(w - 1);
            let (mut r, mut g, mut b) = (0i32, 0i32, 0i32);
            for (x, y) in [(x0, y0), (x1, y0), (x0, y1), (x1, y1)] {
                let i = (y * w + x) * 3;
                r += i32::from(px[i]);
                g += i32::from(px[i + 1]);
                b += i32::from(px[i + 2]);
            }
            let (r, g, b) = ((r + 2) >> 2, (g + 2) >> 2, (b + 2) >> 2);
            u_plane[cy * cw + cx] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128) as u8;
            v_plane[cy * cw + cx] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128) as u8;
        }
    }
}
