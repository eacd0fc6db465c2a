//! placeholder
pub mod run_filter;
pub mod utf8_stream;
