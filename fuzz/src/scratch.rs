//! A scratch directory per thread, where harnesses write a fuzz input under the file names
//! the readers look at (`u.data`, `ratings.csv`, ...).

use std::path::PathBuf;

thread_local! {
    static DIR: tempfile::TempDir = tempfile::Builder::new()
        .prefix("rustrec-fuzz-")
        .tempdir()
        .expect("a scratch directory for the fuzz harness");
}

/// Writes `bytes` to the file `name` of this thread's scratch directory; returns its path.
pub fn write(name: &str, bytes: &[u8]) -> PathBuf {
    DIR.with(|dir| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing a scratch file");
        path
    })
}

/// Removes the file `name` from this thread's scratch directory, if it is there.
pub fn remove(name: &str) {
    DIR.with(|dir| {
        let _ = std::fs::remove_file(dir.path().join(name));
    })
}
