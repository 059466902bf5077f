#![no_main]
//! Fuzz target for the `uk_tables` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("uk_tables", data);
});
