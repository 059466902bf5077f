#![no_main]
//! Fuzz target for the `ofac_advanced` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("ofac_advanced", data);
});
