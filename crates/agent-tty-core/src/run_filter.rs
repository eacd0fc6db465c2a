//! Placeholder: the run-completion sentinel scanner and echo sanitizer.
