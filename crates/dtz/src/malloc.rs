//! glibc's allocator settings for a long-running `dtz serve`.
//!
//! glibc raises its mmap threshold (and, with it, the trim threshold) to the size of every
//! large allocation freed — a rollup collecting a million values, a 13 MB answer — and
//! from then on keeps such blocks in per-thread arenas it never gives back (bench/,
//! docs/ARCHITECTURE.md "Memory under load"). The settings that stop it can be
//! given only before the process starts (`GLIBC_TUNABLES`) or through `mallopt`, which
//! needs `unsafe`, forbidden in the workspace. So `dtz serve` started without them starts
//! itself again, at once and in the same process (`exec`: same PID, same arguments, same
//! open files), with them set. An operator who sets `GLIBC_TUNABLES` (even empty) keeps
//! theirs: nothing is added and nothing is started again.

/// The settings: a fixed mmap threshold of 128 KiB (glibc's own starting value, no longer
/// raised) and freed memory over 128 KiB at the top of a heap given back. Measured at
/// scale 100 (bench/'s loads on one server, twice each): peak 206–219 MB without them,
/// 138–143 MB with them, at the same requests per second; limiting the arenas as well
/// (`arena_max`) cost a quarter of the results page's throughput and is left out.
pub const TUNABLES: &str = "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072";

/// The environment variable glibc reads them from.
pub const VAR: &str = "GLIBC_TUNABLES";

/// Whether a process with `current` as its `GLIBC_TUNABLES` should start again with ours.
pub fn wanted(current: Option<&std::ffi::OsStr>) -> bool {
    cfg!(all(target_os = "linux", target_env = "gnu")) && current.is_none()
}

/// Start this program again with [`TUNABLES`] when it runs without them on glibc. Returns
/// only when it did not (not wanted, or `exec` failed: then dtz runs with glibc's
/// defaults, which costs memory, not correctness).
pub fn settle() {
    if !wanted(std::env::var_os(VAR).as_deref()) {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let Ok(exe) = std::env::current_exe() else { return };
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(exe);
        if let Some(name) = args.next() {
            again.arg0(name);
        }
        let e = again.args(args).env(VAR, TUNABLES).exec();
        eprintln!("warning: cannot start again with {VAR} ({e}); glibc's default allocator settings stay");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_already_given_are_kept() {
        assert!(!wanted(Some(std::ffi::OsStr::new(""))), "an empty value is the operator's choice");
        assert!(!wanted(Some(std::ffi::OsStr::new("glibc.malloc.arena_max=4"))));
        assert_eq!(wanted(None), cfg!(all(target_os = "linux", target_env = "gnu")));
    }

    /// glibc's dynamic loader lists the settings it took from the environment: each of
    /// ours, with its value (a misspelt name would be ignored without a word).
    #[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
    #[test]
    fn glibc_takes_every_setting() {
        let out = std::process::Command::new("/lib64/ld-linux-x86-64.so.2")
            .arg("--list-tunables")
            .env(VAR, TUNABLES)
            .output()
            .unwrap();
        let listed = String::from_utf8_lossy(&out.stdout);
        for s in TUNABLES.split(':') {
            let (name, value) = s.split_once('=').unwrap();
            let value: u64 = value.parse().unwrap();
            let line = listed.lines().find(|l| l.starts_with(&format!("{name}:"))).unwrap_or_default();
            assert!(line.starts_with(&format!("{name}: {value:#x} ")), "{name}={value}: {line:?}");
        }
    }
}
