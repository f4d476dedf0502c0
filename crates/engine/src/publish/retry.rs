//! Retrying an upload that failed on the way: a 5xx answer or a broken
//! connection is tried again after a growing pause. Before each new try the
//! index is asked whether the earlier try arrived after all (a server may
//! store the file and still answer 500); if it holds our bytes, the upload
//! succeeded and is not repeated into a "file already exists".

use super::client::Answer;
use std::time::Duration;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The pause before the second try; doubled before each further one.
    pub first_pause: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 4,
            first_pause: Duration::from_secs(1),
        }
    }
}

/// How a file's upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Stored by try number `attempts`.
    Uploaded { attempts: u32 },
    /// An earlier try had stored it although its answer was lost or an error.
    FoundAfterRetry { attempts: u32 },
    /// The last answer, after `attempts` tries.
    Failed { answer: Answer, attempts: u32 },
}

/// Run `attempt` until it succeeds, fails for good, or the tries run out.
/// `arrived` asks the index whether our file is there now.
pub fn run(
    policy: Policy,
    mut attempt: impl FnMut(u32) -> Answer,
    mut arrived: impl FnMut() -> bool,
    sleep: impl Fn(Duration),
) -> Ending {
    let mut pause = policy.first_pause;
    let mut tried = 0;
    loop {
        tried += 1;
        let answer = attempt(tried);
        match answer {
            Answer::Created => return Ending::Uploaded { attempts: tried },
            Answer::Transient(_) if tried < policy.attempts.max(1) => {
                sleep(pause);
                pause = pause.saturating_mul(2);
                if arrived() {
                    return Ending::FoundAfterRetry { attempts: tried };
                }
            }
            // An "exists" answer to a retry is our own earlier try when the
            // index holds our bytes.
            Answer::Exists(_) if tried > 1 && arrived() => {
                return Ending::FoundAfterRetry { attempts: tried };
            }
            answer => {
                return Ending::Failed {
                    answer,
                    attempts: tried,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn policy() -> Policy {
        Policy {
            attempts: 3,
            first_pause: Duration::from_millis(10),
        }
    }

    #[test]
    fn transient_failures_are_retried_with_growing_pauses() {
        let pauses = std::cell::RefCell::new(Vec::new());
        let ending = run(
            policy(),
            |n| {
                if n < 3 {
                    Answer::Transient("HTTP 502".into())
                } else {
                    Answer::Created
                }
            },
            || false,
            |d| pauses.borrow_mut().push(d.as_millis()),
        );
        assert_eq!(ending, Ending::Uploaded { attempts: 3 });
        assert_eq!(*pauses.borrow(), [10, 20]);
    }

    #[test]
    fn a_stored_earlier_try_counts_as_success() {
        let tries = Cell::new(0);
        let ending = run(
            policy(),
            |_| {
                tries.set(tries.get() + 1);
                Answer::Transient("HTTP 500".into())
            },
            || true,
            |_| {},
        );
        assert_eq!(ending, Ending::FoundAfterRetry { attempts: 1 });
        assert_eq!(tries.get(), 1);
        let exists_on_retry = run(
            policy(),
            |n| {
                if n == 1 {
                    Answer::Transient("reset".into())
                } else {
                    Answer::Exists("409".into())
                }
            },
            {
                let asked = Cell::new(0);
                move || {
                    asked.set(asked.get() + 1);
                    asked.get() > 1
                }
            },
            |_| {},
        );
        assert_eq!(exists_on_retry, Ending::FoundAfterRetry { attempts: 2 });
    }

    #[test]
    fn refusals_and_exhaustion_stop() {
        let refused = run(
            policy(),
            |_| Answer::Refused {
                status: 403,
                reason: "no".into(),
            },
            || true,
            |_| {},
        );
        assert!(matches!(refused, Ending::Failed { attempts: 1, .. }));
        let exhausted = run(
            policy(),
            |_| Answer::Transient("HTTP 503".into()),
            || false,
            |_| {},
        );
        assert!(matches!(
            exhausted,
            Ending::Failed {
                attempts: 3,
                answer: Answer::Transient(_)
            }
        ));
    }
}
