#![no_main]
//! Fuzz target for the `us_csl` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("us_csl", data);
});
