//! RECORD files (owned by the sinks work).
