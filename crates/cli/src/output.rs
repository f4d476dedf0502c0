//! Terminal output: progress bars on a terminal, nothing when piped.
