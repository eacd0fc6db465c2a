//! Placeholder: streaming lossy UTF-8 decoding.
