//! The frame schedule of a replay.
