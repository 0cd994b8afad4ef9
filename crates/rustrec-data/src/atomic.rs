//! Atomic file replacement: every file rustrec writes is either the old file or the complete
//! new one, never a torn mix, whatever happens during the write (an error, a full disk, a
//! crash, Ctrl-C).
//!
//! An [`AtomicFile`] is a temporary file in the target's directory (`.NAME.PID.N.tmp`,
//! created with `create_new`, so it never clobbers anything). Writes go through a buffer;
//! [`AtomicFile::commit`] flushes it, `fsync`s the file, gives it the permissions of the file
//! it replaces, renames it over the target (an atomic step on POSIX file systems, because
//! both are in the same directory) and `fsync`s the directory so that the rename itself is
//! durable. [`commit_all`] does this for several files at once: every temporary file is
//! written and synced before the first rename, so a failure while writing any of them
//! replaces none of the targets.
//!
//! A temporary file is removed
//! * when the write fails or the [`AtomicFile`] is dropped without a commit,
//! * and when the process gets a signal whose default action ends it without a core dump
//!   ([`CLEANUP_SIGNALS`]: Ctrl-C's SIGINT, SIGTERM, the SIGHUP of a closed terminal,
//!   SIGALRM, SIGUSR1, SIGUSR2): every live temporary path is kept in a process-wide
//!   registry, and the first [`AtomicFile::create`] installs a handler (a thread of the
//!   `signal-hook` crate) that removes the registered files and exits with status 128 + the
//!   signal number (130 for SIGINT, 143 for SIGTERM), the shell's codes for those signals.
//!   A program that embeds rustrec and handles these signals itself calls
//!   [`disable_signal_cleanup`] before its first write.
//!
//! Creating a temporary file and registering it, and renaming it and unregistering it, are
//! each done under the registry's lock, which the handler takes before it removes anything:
//! the handler never misses a temporary file and never removes a file that has already
//! become the target.
//!
//! Writing to a symbolic link writes the file the link points to (followed to the end of a
//! chain of links, even a dangling one); the link stays a link. Replacing an existing file
//! keeps its permission bits; a new file gets the default ones (`0o666` minus the umask).
//!
//! ```
//! use std::io::Write;
//! use rustrec_data::atomic::AtomicFile;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("recs.csv");
//! let mut out = AtomicFile::create(&path)?;
//! writeln!(out, "user,rank,item,score")?;
//! assert!(!path.exists()); // nothing is visible before the commit
//! out.commit()?;
//! assert_eq!(std::fs::read_to_string(&path)?, "user,rank,item,score\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::{DataError, Result};

/// Size of the write buffer.
const BUFFER: usize = 1 << 20;

/// Symbolic links followed from the path given before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Distinguishes the temporary files of one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The temporary files of this process that exist and are not yet renamed into place.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set by [`disable_signal_cleanup`].
static SIGNALS_DISABLED: AtomicBool = AtomicBool::new(false);

/// The registry, even if a thread panicked while holding it (a list of paths cannot be left
/// inconsistent by a panic).
fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The signals after which no temporary file is left: those whose default action ends the
/// process without a core dump (SIGQUIT and the like keep theirs, for debugging).
#[cfg(unix)]
pub const CLEANUP_SIGNALS: [i32; 6] = {
    use signal_hook::consts::{SIGALRM, SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
    [SIGHUP, SIGINT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2]
};

/// Keeps [`AtomicFile::create`] from installing the signal handler, for programs
/// that handle these signals themselves. Call it before the first write; a handler already
/// installed stays.
pub fn disable_signal_cleanup() {
    SIGNALS_DISABLED.store(true, Ordering::SeqCst);
}

/// Installs, once per process, the handler that removes the live temporary files on one of
/// the [`CLEANUP_SIGNALS`] and exits with 128 + the signal number. [`AtomicFile::create`] calls it; call
/// it earlier to have the handler in place from the start. Does nothing after
/// [`disable_signal_cleanup`], and nothing on platforms without POSIX signals.
pub fn install_signal_cleanup() {
    if SIGNALS_DISABLED.load(Ordering::SeqCst) {
        return;
    }
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(signals::install);
}

#[cfg(unix)]
mod signals {
    use signal_hook::iterator::Signals;

    /// Starts the thread that waits for the [`super::CLEANUP_SIGNALS`]. If the handler
    /// cannot be registered the signals keep their default action (the process dies, and a
    /// temporary file may stay behind, as without this module).
    pub(super) fn install() {
        let Ok(mut signals) = Signals::new(super::CLEANUP_SIGNALS) else {
            return;
        };
        // If the thread cannot start, the closure (and with it `signals`, whose drop
        // unregisters the handlers) is dropped: the signals keep their default action.
        let _ = std::thread::Builder::new()
            .name("rustrec-signal-cleanup".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until the exit: no temporary file is created or renamed after the
                    // removal below.
                    let live = super::live();
                    for path in live.iter() {
                        let _ = std::fs::remove_file(path);
                    }
                    std::process::exit(128 + signal);
                }
            });
    }
}

#[cfg(not(unix))]
mod signals {
    pub(super) fn install() {}
}

/// The paths of the live temporary files (for tests).
#[cfg(test)]
pub(crate) fn live_temporaries() -> Vec<PathBuf> {
    live().clone()
}

/// The file that writing to `path` must replace: `path` itself, or the end of its chain of
/// symbolic links (a relative link is relative to the link's directory).
pub fn resolve_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).map_err(|e| DataError::io(&current, e))?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(DataError::Invalid(format!(
        "{}: more than {MAX_LINKS} levels of symbolic links",
        path.display()
    )))
}

/// The error for an output `path` whose directory `dir` does not exist (`OUT
/// results/x.csv` without a `results` folder): it names the directory, which a bare "No
/// such file or directory" on the file leaves to guess.
fn missing_directory(path: &Path, dir: &Path) -> DataError {
    DataError::Invalid(format!(
        "{}: cannot write it: the directory {} does not exist (nothing was written); create \
         it first or give a path in an existing directory",
        path.display(),
        dir.display()
    ))
}

/// Refuses an output `path` (given by `flag`, such as `--train-out`) whose directory does
/// not exist, with a message naming the flag, the path and the directory. Commands call it
/// before reading their inputs, so that a typo in an output path does not cost a long read
/// first. Symbolic links are followed as [`AtomicFile::create`] follows them.
pub fn check_output_directory(flag: &str, path: &Path) -> Result<()> {
    let target = resolve_target(path)?;
    let dir = dir_of(&target);
    if dir.is_dir() {
        return Ok(());
    }
    Err(DataError::Invalid(format!(
        "{flag} {}: the directory {} does not exist (nothing was written); create it first or \
         give a path in an existing directory",
        path.display(),
        dir.display()
    )))
}

/// The directory of `path` (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A file being written atomically: a temporary file beside the target that becomes the
/// target on [`commit`](Self::commit) and is removed otherwise (see the module docs).
///
/// Write to it through [`std::io::Write`] (buffered), or, for a library that writes to a
/// path itself, through [`temp_path`](Self::temp_path).
#[derive(Debug)]
pub struct AtomicFile {
    /// The path asked for (named in errors).
    path: PathBuf,
    /// The file that is replaced: `path`, or where its symbolic links lead.
    target: PathBuf,
    /// The temporary file.
    temp: PathBuf,
    /// Open on `temp` until the commit.
    out: Option<BufWriter<File>>,
    /// Whether `temp` has been renamed to `target`.
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file for `path` in the directory of the file `path` names (after
    /// symbolic links). Fails, naming `path`, if that directory does not exist or is not
    /// writable, or if `path` is a directory.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let target = resolve_target(path)?;
        if target.is_dir() {
            return Err(DataError::Invalid(format!(
                "{}: is a directory; give a file name to write",
                path.display()
            )));
        }
        install_signal_cleanup();
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                DataError::Invalid(format!("{}: not a file name to write", path.display()))
            })?;
        let dir = dir_of(&target);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let temp = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
            let mut live = live();
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    live.push(temp.clone());
                    return Ok(AtomicFile {
                        path: path.to_path_buf(),
                        target,
                        temp,
                        out: Some(BufWriter::with_capacity(BUFFER, file)),
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound && !dir.is_dir() => {
                    return Err(missing_directory(path, dir));
                }
                Err(e) => return Err(DataError::io(path, e)),
            }
        }
    }

    /// The path given to [`create`](Self::create).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file the commit replaces (the path given, or the target of its symbolic links).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file. A library that can only write to a path may write here (creating
    /// or truncating it); the commit renames whatever the file then holds.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The open temporary file, with the buffered writes flushed to it first.
    pub fn file_mut(&mut self) -> Result<&mut File> {
        let path = &self.path;
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| DataError::Invalid(format!("{}: already committed", path.display())))?;
        out.flush().map_err(|e| DataError::io(path, e))?;
        Ok(out.get_mut())
    }

    /// Flushes and syncs the temporary file, gives it the permissions of the file it
    /// replaces, and closes it.
    fn prepare(&mut self) -> Result<()> {
        let path = &self.path;
        if let Some(out) = self.out.take() {
            let file = out
                .into_inner()
                .map_err(|e| DataError::io(path, e.into_error()))?;
            file.sync_all().map_err(|e| DataError::io(path, e))?;
        }
        if let Ok(meta) = std::fs::metadata(&self.target) {
            std::fs::set_permissions(&self.temp, meta.permissions())
                .map_err(|e| DataError::io(path, e))?;
        }
        Ok(())
    }

    /// Renames the prepared temporary file over the target and syncs the directory.
    fn rename(&mut self) -> Result<()> {
        {
            let mut live = live();
            std::fs::rename(&self.temp, &self.target).map_err(|e| DataError::io(&self.path, e))?;
            self.committed = true;
            live.retain(|p| p != &self.temp);
        }
        sync_dir(dir_of(&self.target)).map_err(|e| DataError::io(dir_of(&self.target), e))
    }

    /// Makes the written content the content of the target, atomically. On error the target
    /// is unchanged and the temporary file is removed.
    pub fn commit(mut self) -> Result<()> {
        self.prepare()?;
        self.rename()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.out {
            Some(out) => out.write(buf),
            None => Err(io::Error::other("the file is already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.write_all(buf),
            None => Err(io::Error::other("the file is already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            self.out = None;
            let mut live = live();
            let _ = std::fs::remove_file(&self.temp);
            live.retain(|p| p != &self.temp);
        }
    }
}

/// Commits several files together: all are flushed and synced first, then renamed one after
/// the other. If preparing any of them fails, no target is replaced and every temporary file
/// is removed. (The renames themselves are separate steps: a failure between two of them,
/// which needs the directory to change under the process, leaves the earlier ones done.)
pub fn commit_all(files: impl IntoIterator<Item = AtomicFile>) -> Result<()> {
    let mut files: Vec<AtomicFile> = files.into_iter().collect();
    for f in &mut files {
        f.prepare()?;
    }
    for f in &mut files {
        f.rename()?;
    }
    Ok(())
}

/// Writes `path` atomically with `write`, which gets the [`AtomicFile`] to write to; commits
/// when `write` succeeds, and otherwise leaves `path` as it was (and no temporary file).
pub fn write_atomically<T, E: From<DataError>>(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut AtomicFile) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let mut file = AtomicFile::create(path)?;
    let value = write(&mut file)?;
    file.commit()?;
    Ok(value)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        let result: Result<()> = write_atomically(&path, |f| {
            f.write_all(b"half a file").unwrap();
            Err(DataError::Invalid("simulated failure".into()))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out.csv"]);

        write_atomically(&path, |f| {
            f.write_all(b"new").map_err(|e| DataError::io(&path, e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn nothing_is_visible_before_the_commit_and_a_drop_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tsv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"1\t2\t3\n").unwrap();
        let temp = f.temp_path().to_path_buf();
        assert!(temp.exists() && !path.exists());
        assert!(
            temp.file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with(".tmp")
        );
        assert!(live_temporaries().contains(&temp));
        drop(f);
        assert!(!temp.exists() && !path.exists());
        assert!(!live_temporaries().contains(&temp));
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_commit_unregisters_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.tsv");
        let mut f = AtomicFile::create(&path).unwrap();
        let temp = f.temp_path().to_path_buf();
        f.write_all(b"x").unwrap();
        f.commit().unwrap();
        assert!(!live_temporaries().contains(&temp));
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }

    #[test]
    fn a_missing_directory_and_a_directory_target_are_named_errors() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("no-such-dir").join("x.csv");
        let msg = AtomicFile::create(&bad).unwrap_err().to_string();
        assert!(msg.contains("no-such-dir"), "{msg}");
        let msg = AtomicFile::create(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("is a directory"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn writing_through_a_symlink_writes_its_target_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("real");
        std::fs::create_dir(&sub).unwrap();
        let target = sub.join("target.csv");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real/target.csv", &link).unwrap();
        // A chain: link2 -> link.csv -> real/target.csv.
        let link2 = dir.path().join("link2.csv");
        std::os::unix::fs::symlink(&link, &link2).unwrap();

        write_atomically(&link2, |f| {
            f.write_all(b"new").map_err(|e| DataError::io(&link2, e))
        })
        .unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::symlink_metadata(&link2)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(
            names(&sub),
            ["target.csv"],
            "the temporary file was beside the target"
        );

        // A dangling link gets its target created.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("real/new.csv", &dangling).unwrap();
        write_atomically(&dangling, |f| {
            f.write_all(b"made")
                .map_err(|e| DataError::io(&dangling, e))
        })
        .unwrap();
        assert_eq!(std::fs::read(sub.join("new.csv")).unwrap(), b"made");
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_file_keeps_its_permissions_and_a_new_file_gets_the_default() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, |f| {
            f.write_all(b"new").map_err(|e| DataError::io(&path, e))
        })
        .unwrap();
        assert_eq!(mode(&path), 0o640);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");

        // A read-only file is replaced too (as `cp` over it would not be, but `mv` is), and
        // stays read-only; a writer that reopens the temporary path still can write it.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        std::fs::write(f.temp_path(), b"via the path").unwrap();
        f.file_mut().unwrap();
        f.commit().unwrap();
        assert_eq!(mode(&path), 0o444);
        assert_eq!(std::fs::read(&path).unwrap(), b"via the path");

        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let fresh = dir.path().join("fresh");
        write_atomically(&fresh, |_| Ok::<(), DataError>(())).unwrap();
        assert_eq!(mode(&fresh), mode(&plain));
    }

    #[test]
    fn commit_all_replaces_no_target_when_one_file_fails() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("train.tsv"), dir.path().join("test.tsv"));
        std::fs::write(&a, b"old train").unwrap();
        std::fs::write(&b, b"old test").unwrap();
        let mut fa = AtomicFile::create(&a).unwrap();
        fa.write_all(b"new train").unwrap();
        let mut fb = AtomicFile::create(&b).unwrap();
        fb.write_all(b"new test").unwrap();
        // The second file's temporary file disappears before the commit (as if cleaned up
        // by another program): preparing it fails, and the first target must stay old.
        std::fs::remove_file(fb.temp_path()).unwrap();
        assert!(commit_all([fa, fb]).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"old train");
        assert_eq!(std::fs::read(&b).unwrap(), b"old test");
        assert_eq!(names(dir.path()), ["test.tsv", "train.tsv"]);

        let mut fa = AtomicFile::create(&a).unwrap();
        fa.write_all(b"new train").unwrap();
        let mut fb = AtomicFile::create(&b).unwrap();
        fb.write_all(b"new test").unwrap();
        commit_all([fa, fb]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new train");
        assert_eq!(std::fs::read(&b).unwrap(), b"new test");
    }
}
