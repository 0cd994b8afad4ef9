//! Escaping of control characters in text that came from a data file, before it is shown.
//!
//! A field of a rating or metadata file may hold any byte. Quoted raw in an error message or
//! printed as an id or title, an ESC byte starts a terminal escape sequence (colours, cursor
//! moves, a changed window title), a carriage return overwrites the line and a NUL or a
//! backspace hides text. Every message of [`crate::DataError`] goes through
//! [`escape_control`], and so should any other output of file content meant for a terminal.
//!
//! The escapes are the ones Rust and C use: `\t`, `\n`, `\r`, `\0`, `\x1b` for the other C0
//! controls and DEL, `\u{85}` for the C1 controls. Printable text, including non-ASCII
//! letters, is left as it is.

use std::borrow::Cow;
use std::fmt;

/// `text` with every control character replaced by a visible escape (`\t`, `\x1b`, ...).
/// Borrows when there is nothing to escape.
///
/// ```
/// use rustrec_data::escape_control;
/// assert_eq!(escape_control("a\tb\u{1b}[31m"), "a\\tb\\x1b[31m");
/// assert_eq!(escape_control("Amélie"), "Amélie");
/// ```
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c`, escaped if it is a control character.
fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c if (c as u32) < 0x80 && c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Displays a string with its control characters escaped (see [`escape_control`]), without
/// allocating.
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.chars().any(char::is_control) {
            return f.write_str(self.0);
        }
        let mut buf = String::with_capacity(8);
        for c in self.0.chars() {
            buf.clear();
            push_escaped(&mut buf, c);
            f.write_str(&buf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_kind_of_control_gets_its_escape() {
        assert_eq!(escape_control("\t\n\r\0"), "\\t\\n\\r\\0");
        assert_eq!(escape_control("\u{1b}[2J\u{7f}\u{8}"), "\\x1b[2J\\x7f\\x08");
        assert_eq!(escape_control("x\u{9b}y"), "x\\u{9b}y");
        assert!(matches!(escape_control("plain, é ✓"), Cow::Borrowed(_)));
        assert_eq!(Escaped("a\u{1b}b").to_string(), "a\\x1bb");
    }

    proptest! {
        #[test]
        fn the_output_never_holds_a_control_character(s in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}a-z]*") {
            let e = escape_control(&s);
            prop_assert!(!e.chars().any(char::is_control), "{e:?}");
            prop_assert_eq!(Escaped(&s).to_string(), e.into_owned());
        }

        #[test]
        fn text_without_controls_is_unchanged(s in "\\PC*") {
            prop_assert_eq!(escape_control(&s), s.as_str());
        }
    }
}
