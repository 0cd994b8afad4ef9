//! Atomic file replacement: write a temporary file in the target's directory, flush it to
//! disk, rename it over the target, then flush the directory. A reader sees either the old
//! file or the complete new one, never a half-written file, even after a crash.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{IoError, Result};

/// Distinguishes the temporary files of one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file that is removed when dropped unless it was renamed.
struct TempFile {
    path: PathBuf,
    persisted: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `path` atomically. `write` receives the temporary file's path and an open handle
/// on it; whatever it writes (through either) becomes the content of `path`.
///
/// The temporary file is created with `create_new` (so never clobbers anything) and the
/// default mode, so the result has the usual permissions (`0o666` minus the umask).
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path, &mut File) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (mut tmp, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_path = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
        {
            Ok(file) => {
                break (
                    TempFile {
                        path: tmp_path,
                        persisted: false,
                    },
                    file,
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(IoError::io(path, e)),
        }
    };
    write(&tmp.path, &mut file)?;
    file.sync_all().map_err(|e| IoError::io(&tmp.path, e))?;
    drop(file);
    std::fs::rename(&tmp.path, path).map_err(|e| IoError::io(path, e))?;
    tmp.persisted = true;
    sync_dir(dir).map_err(|e| IoError::io(dir, e))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
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
