#![no_main]
//! Fuzz target for the `uk_xml` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("uk_xml", data);
});
