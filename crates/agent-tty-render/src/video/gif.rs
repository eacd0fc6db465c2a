//! GIF encoding (pure Rust): see [`GifSink`].
