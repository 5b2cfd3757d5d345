//! Memory the process no longer uses goes back to the OS. glibc keeps freed heap pages and
//! one arena per thread by default: after a 100k-guest reload that is tens of MiB of RSS held
//! for nothing. Elsewhere these are no-ops.

/// Fewer arenas: the runtime has a handful of threads, and each arena keeps its own free pages.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called once at start, before other threads.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Return freed heap pages to the OS (after a large reload or poll cycle).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it never touches live allocations.
    unsafe {
        libc::malloc_trim(0);
    }
}
