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

/// The UTC calendar date and the seconds into that day of a Unix timestamp:
/// `(year, month, day, seconds)` (Howard Hinnant's civil-from-days).
pub fn civil(unix: u64) -> (i64, u32, u32, u64) {
    let z = (unix / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, unix % 86_400)
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
