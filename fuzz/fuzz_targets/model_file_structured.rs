//! cargo-fuzz target `model_file_structured`: see the docs of `rustrec_fuzz::model_file::run_structured` (fuzz/src) and fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rustrec_fuzz::in_one_thread(|| rustrec_fuzz::model_file::run_structured(data))
});
