//! Retagging a repaired wheel: the platform part of its file name and of
//! every `Tag:` line of WHEEL ("Binary distribution format" § "File name
//! convention" and § "The .dist-info directory"; compressed tag sets,
//! PEP 425 § "Compressed Tag Sets").

use crate::{Error, Result};

/// The wheel file name with its platform tags replaced by `plats`.
pub fn file_name(name: &str, plats: &[String]) -> Result<String> {
    let stem = name
        .strip_suffix(".whl")
        .ok_or_else(|| Error::Repair(format!("{name}: not a wheel file name")))?;
    let parts: Vec<&str> = stem.split('-').collect();
    if !(5..=6).contains(&parts.len()) {
        return Err(Error::Repair(format!(
            "{name}: not a wheel file name (name-version[-build]-python-abi-platform.whl)"
        )));
    }
    let keep = &parts[..parts.len() - 1];
    Ok(format!("{}-{}.whl", keep.join("-"), plats.join(".")))
}

/// The platform tag(s) of a wheel file name (`linux_x86_64`).
pub fn platforms(name: &str) -> Vec<String> {
    name.strip_suffix(".whl")
        .and_then(|s| s.rsplit('-').next())
        .map(|p| p.split('.').map(str::to_string).collect())
        .unwrap_or_default()
}

/// WHEEL with each `Tag: py-abi-plat` line replaced by one line per new
/// platform, in order and without repeats; other lines kept as they are.
pub fn wheel_file(text: &str, plats: &[String]) -> Result<String> {
    let mut out = String::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut tags = 0;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("tag") {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        tags += 1;
        let value = value.trim();
        let (pys, rest) = value.split_once('-').ok_or_else(|| {
            Error::Repair(format!("WHEEL: `Tag: {value}` is not python-abi-platform"))
        })?;
        let (abis, _) = rest.split_once('-').ok_or_else(|| {
            Error::Repair(format!("WHEEL: `Tag: {value}` is not python-abi-platform"))
        })?;
        // A compressed tag set on one line (as maturin writes) expands.
        for py in pys.split('.') {
            for abi in abis.split('.') {
                for plat in plats {
                    let tag = format!("{py}-{abi}-{plat}");
                    if seen.insert(tag.clone()) {
                        out.push_str(&format!("Tag: {tag}\n"));
                    }
                }
            }
        }
    }
    if tags == 0 {
        return Err(Error::Repair("WHEEL has no Tag line".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retags_names_and_wheel_files() {
        let plats = vec![
            "manylinux_2_17_x86_64".to_string(),
            "manylinux2014_x86_64".to_string(),
        ];
        assert_eq!(
            file_name("a_b-1.0-cp311-cp311-linux_x86_64.whl", &plats).unwrap(),
            "a_b-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        );
        assert_eq!(
            file_name("a-1-7-cp311-abi3-linux_x86_64.whl", &plats[..1]).unwrap(),
            "a-1-7-cp311-abi3-manylinux_2_17_x86_64.whl"
        );
        assert!(file_name("a-1.whl", &plats).is_err());
        assert_eq!(platforms("a-1-py3-none-linux_x86_64.whl"), ["linux_x86_64"]);
        let wheel = "Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n";
        assert_eq!(
            wheel_file(wheel, &plats).unwrap(),
            "Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n"
        );
        let compressed = "Tag: cp38.cp39-abi3-linux_x86_64\n";
        assert_eq!(
            wheel_file(compressed, &plats[..1]).unwrap(),
            "Tag: cp38-abi3-manylinux_2_17_x86_64\nTag: cp39-abi3-manylinux_2_17_x86_64\n"
        );
        assert!(wheel_file("Wheel-Version: 1.0\n", &plats).is_err());
    }
}
