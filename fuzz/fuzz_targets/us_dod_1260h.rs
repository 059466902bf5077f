#![no_main]
//! Fuzz target for the `us_dod_1260h` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("us_dod_1260h", data);
});
