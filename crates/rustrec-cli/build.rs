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

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    if !target.ends_with("-linux-gnu") {
        return;
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-z,keep-text-section-prefix");
    if target == host && host_glibc().is_some_and(|version| version >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
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
