#![no_main]
//! Fuzz target for the `us_bis_dpl` format: see `src/harness.rs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kordon_fuzz::harness::run("us_bis_dpl", data);
});
