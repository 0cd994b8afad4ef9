//! Refusing output paths that would destroy an input or another output, before any work.
//!
//! `split u.data --train-out u.data` would overwrite its own input, and
//! `--train-out s.tsv --test-out s.tsv` would keep only the second of two files. A command
//! lists its inputs and outputs, each with the flag that named it, and calls
//! [`check_outputs`] before it reads anything.
//!
//! Paths are compared as the files they name: symbolic links are followed (also a dangling
//! link, which names the file writing would create), `.` and `..` are resolved, and an output
//! that does not exist yet is its canonical directory joined with its file name. On Unix two
//! existing paths that are hard links to one file (same device and inode) are the same too.

use std::path::{Path, PathBuf};

use crate::atomic::resolve_target;
use crate::error::{DataError, Result};

/// A path given on the command line (or in a config) and the flag or key that gave it, such
/// as `("--train-out", path)`.
pub type NamedPath<'a> = (&'a str, &'a Path);

/// The file `path` names, as an absolute path without symbolic links, whether or not it
/// exists yet (see the module docs).
pub fn canonical_target(path: &Path) -> Result<PathBuf> {
    let target = resolve_target(path)?;
    if let Ok(c) = std::fs::canonicalize(&target) {
        return Ok(c);
    }
    let absolute = if target.is_absolute() {
        target
    } else {
        std::env::current_dir()
            .map_err(|e| DataError::io(".", e))?
            .join(target)
    };
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => match std::fs::canonicalize(dir) {
            Ok(dir) => Ok(dir.join(name)),
            // The directory does not exist either: writing will fail with its own error;
            // compare the paths as written.
            Err(_) => Ok(absolute),
        },
        _ => Ok(absolute),
    }
}

/// Whether two existing files are one file under two names (hard links).
#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_a: &Path, _b: &Path) -> bool {
    false
}

/// Refuses any output that is the same file as an input or as another output, naming both
/// flags and the path ([`DataError::PathClash`]). Inputs may repeat (reading a file twice
/// is harmless). Call it before reading anything.
///
/// ```
/// use std::path::Path;
/// use rustrec_data::paths::check_outputs;
///
/// let input = Path::new("u.data");
/// let err = check_outputs(&[("FILE", input)], &[("--train-out", Path::new("./u.data"))]);
/// assert!(err.unwrap_err().to_string().contains("--train-out"));
/// assert!(check_outputs(&[("FILE", input)], &[("--train-out", Path::new("train.tsv"))]).is_ok());
/// ```
pub fn check_outputs(inputs: &[NamedPath<'_>], outputs: &[NamedPath<'_>]) -> Result<()> {
    let canon = |list: &[NamedPath<'_>]| -> Result<Vec<PathBuf>> {
        list.iter().map(|(_, p)| canonical_target(p)).collect()
    };
    let (ins, outs) = (canon(inputs)?, canon(outputs)?);
    for (k, (out_flag, out_path)) in outputs.iter().enumerate() {
        for (j, (in_flag, in_path)) in inputs.iter().enumerate() {
            if outs[k] == ins[j] || same_inode(&outs[k], &ins[j]) {
                return Err(DataError::PathClash {
                    first: (*in_flag).to_string(),
                    second: (*out_flag).to_string(),
                    path: shown(out_path, in_path),
                    input: true,
                });
            }
        }
        for (j, (other_flag, other_path)) in outputs.iter().enumerate().take(k) {
            if outs[k] == outs[j] || same_inode(&outs[k], &outs[j]) {
                return Err(DataError::PathClash {
                    first: (*other_flag).to_string(),
                    second: (*out_flag).to_string(),
                    path: shown(out_path, other_path),
                    input: false,
                });
            }
        }
    }
    Ok(())
}

/// The path to name in the message: the output as given, and the other spelling if it
/// differs (`./a.tsv` and `a.tsv`, or a link and its target).
fn shown(path: &Path, other: &Path) -> PathBuf {
    if path == other {
        path.to_path_buf()
    } else {
        PathBuf::from(format!("{} (= {})", path.display(), other.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_output_twice_is_refused_naming_both_flags_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("s.tsv");
        let input = dir.path().join("u.data");
        std::fs::write(&input, "1\t2\t3\t4\n").unwrap();
        let err = check_outputs(
            &[("FILE", &input)],
            &[("--train-out", &s), ("--test-out", &s)],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("--train-out") && err.contains("--test-out") && err.contains("s.tsv"),
            "{err}"
        );
        // Not existing yet, spelled differently: still the same file.
        let other = dir.path().join("sub").join("..").join("s.tsv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(check_outputs(&[], &[("--out", &s), ("--test-out", &other)]).is_err());
        assert!(check_outputs(&[], &[("--out", &s), ("--test-out", &input)]).is_ok());
    }

    #[test]
    fn an_output_equal_to_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("u.data");
        std::fs::write(&input, "1\t2\t3\t4\n").unwrap();
        let dotted = dir.path().join(".").join("u.data");
        let err = check_outputs(
            &[("FILE", &input)],
            &[
                ("--test-out", &dir.path().join("t.tsv")),
                ("--train-out", &dotted),
            ],
        )
        .unwrap_err();
        assert!(
            matches!(err, DataError::PathClash { input: true, .. }),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("FILE") && msg.contains("--train-out"), "{msg}");
        // Two inputs may be one file.
        assert!(check_outputs(&[("--train", &input), ("--test", &input)], &[]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_and_hard_links_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("ratings.dat");
        std::fs::write(&input, "1::2::3::4\n").unwrap();
        let link = dir.path().join("link.dat");
        std::os::unix::fs::symlink("ratings.dat", &link).unwrap();
        assert!(check_outputs(&[("FILE", &input)], &[("--out", &link)]).is_err());
        let hard = dir.path().join("hard.dat");
        std::fs::hard_link(&input, &hard).unwrap();
        assert!(check_outputs(&[("FILE", &input)], &[("--out", &hard)]).is_err());
        // A dangling link names the file it would create.
        let dangling = dir.path().join("dangling.tsv");
        std::os::unix::fs::symlink("new.tsv", &dangling).unwrap();
        let new = dir.path().join("new.tsv");
        assert!(check_outputs(&[], &[("--train-out", &dangling), ("--test-out", &new)]).is_err());
    }
}
