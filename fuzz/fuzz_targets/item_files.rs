//! cargo-fuzz target `item_files`: see the docs of `rustrec_fuzz::item_files::run` (fuzz/src) and fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rustrec_fuzz::in_one_thread(|| rustrec_fuzz::item_files::run(data))
});
