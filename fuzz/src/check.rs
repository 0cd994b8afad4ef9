//! Checks shared by the harnesses.

/// Panics if an error message holds a raw control character: every message that quotes a
/// file's content must escape them (issue 12, item 7), so that an ESC byte in a file never
/// reaches the terminal. Line breaks are allowed: some messages (TOML's) span lines.
pub fn clean_message(what: &str, message: &str) {
    assert!(
        !message.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: an error message holds a raw control character: {message:?}"
    );
    assert!(!message.is_empty(), "{what}: an empty error message");
}
