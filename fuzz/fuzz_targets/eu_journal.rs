#![no_main]
//! Fuzz target for the `eu_journal` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("eu_journal", data);
});
