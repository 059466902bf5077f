//! Fuzzing support for kordon's list parsers. The harness lives in its own file
//! so `kordon-sources`' stable test (`tests/fuzz_corpus.rs`) can include the very
//! same code with `#[path]`.

pub mod harness;
