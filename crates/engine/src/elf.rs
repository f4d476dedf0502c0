//! ELF reading: architecture, DT_NEEDED, versioned symbol requirements (owned by the inspector work).
