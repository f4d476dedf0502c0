//! Timestamps for reproducible artifacts.
//!
//! <https://reproducible-builds.org/specs/source-date-epoch/>: when
//! `SOURCE_DATE_EPOCH` is set, every timestamp written into an artifact is that
//! value; otherwise a fixed epoch, so two builds of the same input are
//! byte-identical either way.

/// 1980-01-01T00:00:00Z: the earliest time a zip (MS-DOS) timestamp can hold.
pub const DEFAULT_EPOCH: u64 = 315_532_800;

/// The timestamp to write into artifacts: `SOURCE_DATE_EPOCH` if it is set to a
/// valid integer, else [`DEFAULT_EPOCH`].
pub fn source_date_epoch() -> u64 {
    parse(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())
}

fn parse(value: Option<&str>) -> u64 {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_or_falls_back() {
        assert_eq!(parse(Some("1700000000")), 1_700_000_000);
        assert_eq!(parse(Some(" 42 ")), 42);
        assert_eq!(parse(Some("yesterday")), DEFAULT_EPOCH);
        assert_eq!(parse(None), DEFAULT_EPOCH);
    }
}
