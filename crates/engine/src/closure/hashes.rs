//! File hashes as indexes and lock files state them (`{algorithm: hex}`):
//! PEP 503/691 hash fragments and `hashes` keys, PEP 751 `hashes` tables.

use sha2::{Digest, Sha256, Sha384, Sha512};
use std::collections::BTreeMap;

/// Algorithm name (lowercase) → lowercase hex digest.
pub type Hashes = BTreeMap<String, String>;

/// The algorithms this engine verifies, strongest first.
const KNOWN: [&str; 3] = ["sha512", "sha384", "sha256"];

/// The strongest hash we can verify, if any.
pub fn strongest(hashes: &Hashes) -> Option<(&'static str, &str)> {
    KNOWN
        .iter()
        .find_map(|alg| hashes.get(*alg).map(|h| (*alg, h.as_str())))
}

pub use crate::record::{hex, sha256_hex};

fn digest(alg: &str, bytes: &[u8]) -> Option<String> {
    Some(match alg {
        "sha256" => hex(&Sha256::digest(bytes)),
        "sha384" => hex(&Sha384::digest(bytes)),
        "sha512" => hex(&Sha512::digest(bytes)),
        _ => return None,
    })
}

/// Check `bytes` against every known algorithm in `hashes`; at least one
/// must be present. `Err` says which did not match, in words.
pub fn verify(bytes: &[u8], hashes: &Hashes) -> Result<(), String> {
    let mut checked = 0;
    for (alg, expected) in hashes {
        let Some(actual) = digest(alg, bytes) else {
            continue;
        };
        checked += 1;
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(format!(
                "does not match its {alg} hash: expected {expected}, got {actual}"
            ));
        }
    }
    if checked == 0 {
        return Err("has no sha256, sha384 or sha512 hash to verify against".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_known_algorithms_and_refuses_none() {
        let good: Hashes = [("sha256".into(), sha256_hex(b"abc"))].into();
        assert!(verify(b"abc", &good).is_ok());
        let e = verify(b"abd", &good).unwrap_err();
        assert!(e.contains("sha256") && e.contains("expected"), "{e}");
        let md5: Hashes = [("md5".into(), "00".into())].into();
        assert!(verify(b"abc", &md5).is_err());
        let both: Hashes = [
            ("sha256".into(), sha256_hex(b"abc")),
            ("sha512".into(), hex(&Sha512::digest(b"abc"))),
        ]
        .into();
        assert_eq!(strongest(&both).unwrap().0, "sha512");
        assert!(verify(b"abc", &both).is_ok());
    }
}
