//! Link options of the `rustrec` binary that leave fewer of its pages mapped while it runs
//! (ML-1M `fit`, whole process, page cache dropped first: 24.2-24.3 MB -> 23.3 MB peak).
//!
//! 1. `-z keep-text-section-prefix`: the compiler puts cold functions (`#[cold]`: panics,
//!    error paths) in `.text.unlikely.*` sections; kept together apart from the rest, the
//!    code that runs shares fewer pages.
//! 2. `-z pack-relative-relocs` (DT_RELR): the binary's relocations, which the loader reads
//!    whole at every start, take 7 KB instead of 785 KB. The loader understands them from
//!    glibc 2.36 on, so they are packed only when the binary is built for the glibc it is
//!    built with and that is 2.36 or newer; elsewhere the binary is linked as before.
//! 3. `--symbol-ordering-file hot_functions.txt`: the functions the common commands run
//!    (about 1 MB of the 17 MB of code), placed together at the start of the code. The
//!    kernel maps a binary's code by whole page-cache folios (64 KB to over 1 MB), so code
//!    that runs scattered over the binary keeps most of it resident: ML-1M `fit`, whole
//!    process, 23.3-24.6 MB -> 19.2-19.4 MB peak. Only LLD reads the file, so it is given
//!    only where rustc links with its own LLD (x86-64 Linux from Rust 1.90 on) and no
//!    other linker is configured. `bench/hot_functions.sh` writes the list again: run it
//!    whenever the code a `fit` runs has changed (a new or renamed function is left
//!    scattered; `--check` says how much of that code the list still covers). Little is
//!    enough to cost memory: with 95 % covered the binary's resident code was 2.5-3.0 MB
//!    instead of 1.5 MB. A function the list names that no longer exists is skipped.

/// The list of hot functions, one symbol name per line (written by `bench/hot_functions.sh`).
const HOT_FUNCTIONS: &str = "hot_functions.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={HOT_FUNCTIONS}");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    if !target.ends_with("-linux-gnu") {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-z,keep-text-section-prefix");
    if target == host && host_glibc().is_some_and(|version| version >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let list = std::path::Path::new(&dir).join(HOT_FUNCTIONS);
    if target == "x86_64-unknown-linux-gnu" && list.is_file() && links_with_rust_lld() {
        println!(
            "cargo:rustc-link-arg-bin=rustrec=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        // A name the list holds that this build lacks (renamed, inlined) is no error.
        println!("cargo:rustc-link-arg-bin=rustrec=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the binary is linked by rustc's own LLD: the default for x86-64 Linux from
/// Rust 1.90 on, unless a linker is configured (`RUSTC_LINKER`) or the flags choose how
/// to link (`-C linker=...`, `-C linker-features=...`, `-C link-self-contained=...`).
fn links_with_rust_lld() -> bool {
    if std::env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("link-self-contained") {
        return false;
    }
    rustc_minor_version().is_some_and(|minor| minor >= 90)
}

/// The minor version of the rustc that builds the crate (`release: 1.95.0` gives 95).
fn rustc_minor_version() -> Option<u32> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = std::process::Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let release = text.lines().find_map(|l| l.strip_prefix("release: "))?;
    let mut parts = release.split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}

/// The (major, minor) version of the glibc this build script runs with.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn host_glibc() -> Option<(u32, u32)> {
    // SAFETY: gnu_get_libc_version takes no arguments and returns a pointer to a static,
    // NUL-terminated string owned by glibc (never null, never freed).
    let text = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
    let mut parts = text.to_str().ok()?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Not a glibc host: no version to go by.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn host_glibc() -> Option<(u32, u32)> {
    None
}
