//! The list of hot functions the linker places together (`hot_functions.txt`, read by
//! `build.rs`, written by `bench/hot_functions.sh`): one symbol per line, and still
//! naming the code an MF `fit` runs. A list left behind by a rename of the MF kernel or the
//! rating reader fails here: write it again with `bench/hot_functions.sh`.

use std::collections::HashSet;
use std::path::Path;

fn listed() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("hot_functions.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

#[test]
fn the_hot_function_list_holds_one_symbol_per_line_without_repeats() {
    let names = listed();
    assert!(names.len() > 100, "only {} names", names.len());
    let mut seen = HashSet::new();
    for (line, name) in names.iter().enumerate() {
        let line = line + 1;
        // Rust symbols are mangled (`_ZN...E`, `_R...`); C ones (`main`, compiler
        // builtins) are plain identifiers. Either is one word of printable ASCII.
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_graphic()),
            "line {line}: {name:?} is not one symbol name"
        );
        assert!(seen.insert(name), "line {line}: {name} is listed twice");
    }
}

#[test]
fn the_hot_function_list_names_the_mf_kernel_and_the_rating_reader() {
    let names = listed();
    for (what, path) in [
        ("the MF SGD kernel", "14rustrec_models2mf6kernel"),
        ("the rating reader", "12rustrec_data4read"),
        ("the command-line entry", "_ZN7rustrec4main"),
    ] {
        assert!(
            names.iter().any(|n| n.contains(path)),
            "no function of {what} ({path}) is listed: write the list again with \
             bench/hot_functions.sh"
        );
    }
}
