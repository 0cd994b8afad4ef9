//! Atomic file replacement for model files and `.npy` exports, on top of the one writer of
//! the project, [`rustrec_data::atomic`]: a temporary file in the target's directory,
//! flushed to disk, renamed over the target, then the directory flushed. A reader sees
//! either the old file or the complete new one, never a half-written file, even after a
//! crash; no temporary file outlives an error or Ctrl-C.

use std::fs::File;
use std::path::Path;

use rustrec_data::DataError;
use rustrec_data::atomic::AtomicFile;

use crate::error::{IoError, Result};

/// Writes `path` atomically with [`rustrec_data::atomic::AtomicFile`]. `write` receives the
/// temporary file's path and an open handle on it; whatever it writes (through either)
/// becomes the content of `path` on success. On error, on drop and on Ctrl-C, SIGTERM or SIGHUP the
/// temporary file is removed and `path` stays as it was. Writing through a symbolic link
/// writes its target; an existing file keeps its permissions.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path, &mut File) -> Result<()>,
) -> Result<()> {
    let mut out = AtomicFile::create(path).map_err(|e| from_data(path, e))?;
    let temp = out.temp_path().to_path_buf();
    let file = out.file_mut().map_err(|e| from_data(path, e))?;
    write(&temp, file)?;
    out.commit().map_err(|e| from_data(path, e))
}

/// An error of the atomic writer as this crate's error, naming `path`.
fn from_data(path: &Path, e: DataError) -> IoError {
    match e {
        DataError::Io { path, source } => IoError::Io { path, source },
        other => IoError::io(path, std::io::Error::other(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, |_, f| {
            f.write_all(b"half").unwrap();
            Err(IoError::corrupt(Path::new("x"), "simulated failure"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        write_atomically(&path, |_, f| {
            f.write_all(b"new").map_err(|e| IoError::io(&path, e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_target_is_written_and_permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.st");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link.st");
        std::os::unix::fs::symlink("target.st", &link).unwrap();
        // Written through the path, as safetensors does.
        write_atomically(&link, |tmp, _| {
            std::fs::write(tmp, b"new").map_err(|e| IoError::io(tmp, e))
        })
        .unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn the_result_has_default_permissions_not_private_temp_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let path = dir.path().join("atomic");
        write_atomically(&path, |_, _| Ok(())).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }
}
