//! cargo-fuzz target `ratings`: see the docs of `rustrec_fuzz::ratings::run` (fuzz/src) and fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rustrec_fuzz::in_one_thread(|| rustrec_fuzz::ratings::run(data))
});
