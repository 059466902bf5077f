#![no_main]
//! Fuzz target for the `ftm` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("ftm", data);
});
