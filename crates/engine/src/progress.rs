//! Progress and cancellation for long work. Front ends implement [`Progress`]
//! (a terminal bar, events to the desktop UI); the engine only reports bytes.

use std::sync::atomic::{AtomicBool, Ordering};

pub trait Progress: Sync {
    /// The total amount of work, in bytes of input, is now known.
    fn start(&self, _total_bytes: u64) {}
    /// `bytes` more bytes of input were processed.
    fn advance(&self, _bytes: u64) {}
    /// A short word on the current step ("sdist", "wheel", ...).
    fn step(&self, _label: &str) {}
    /// One line of output from a program the build runs (a PEP 517
    /// backend), as it is printed.
    fn log(&self, _line: &str) {}
    /// True once the person asked to stop; long loops check it and return
    /// [`crate::Error::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// Reports nothing and never cancels.
pub struct Silent;
impl Progress for Silent {}

/// A cancellation flag that can be shared with another thread.
#[derive(Default)]
pub struct CancelFlag(AtomicBool);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
