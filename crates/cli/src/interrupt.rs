//! Ctrl-C, SIGTERM and SIGHUP stop a build cleanly: the first one asks the
//! engine to cancel (every long loop checks [`Progress::cancelled`]), so
//! temporary files and staging directories are removed as the work unwinds
//! and nothing half-written is left; a second one exits at once.
//!
//! [`Progress::cancelled`]: gradient_engine::progress::Progress::cancelled

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The signals that stop a build.
const SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

struct Stop {
    requested: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

static STOP: OnceLock<Stop> = OnceLock::new();

/// Install the handlers (once; later calls do nothing). Without them a
/// signal kills the process before it can clean up.
pub fn install() {
    STOP.get_or_init(|| {
        let stop = Stop {
            requested: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        };
        for signal in SIGNALS {
            // A second signal while the first is being handled: exit now,
            // with the shell's convention for death by that signal.
            let _ = signal_hook::flag::register_conditional_shutdown(
                signal,
                128 + signal,
                Arc::clone(&stop.requested),
            );
            let _ = signal_hook::flag::register(signal, Arc::clone(&stop.requested));
            let _ = signal_hook::flag::register_usize(
                signal,
                Arc::clone(&stop.signal),
                signal as usize,
            );
        }
        stop
    });
}

/// True once a stopping signal arrived.
pub fn requested() -> bool {
    STOP.get()
        .is_some_and(|s| s.requested.load(Ordering::Relaxed))
}

/// The exit code for a run that was cancelled: 128 + the signal's number
/// (130 for Ctrl-C), as a shell reports death by that signal.
pub fn exit_code() -> ExitCode {
    let signal = STOP
        .get()
        .map(|s| s.signal.load(Ordering::Relaxed))
        .filter(|&s| s != 0)
        .unwrap_or(libc::SIGINT as usize);
    ExitCode::from(128u8.saturating_add(signal as u8))
}
