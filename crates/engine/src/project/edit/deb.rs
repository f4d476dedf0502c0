//! Saving `[tool.gradient.deb]` (the Debian package's name, maintainer,
//! archive fields, layout and compression) from the studio, each value
//! checked by the loader's own rules before the table is edited in place.
//! The `conffiles` and `service` sub-tables are not in the form and stay
//! as written.

use super::{Field, Form};
use crate::project::{deb, DebSettings, ProjectError};
use std::path::Path;

/// Write the form's keys of `settings` to `[tool.gradient.deb]` of
/// `root/pyproject.toml`: set ones written, unset ones removed, the rest of
/// the file kept byte for byte. A bad value is refused before anything is
/// written, its error naming the field (`tool.gradient.deb.depends[1]`).
pub fn save_deb_settings(root: &Path, settings: &DebSettings) -> Result<(), ProjectError> {
    let form = Form {
        table: &["tool", "gradient", "deb"],
        fields: vec![
            ("package", Field::Text(&settings.package)),
            ("maintainer", Field::Text(&settings.maintainer)),
            ("section", Field::Text(&settings.section)),
            ("priority", Field::Text(&settings.priority)),
            ("layout", Field::Text(&settings.layout)),
            ("compression", Field::Text(&settings.compression)),
            ("revision", Field::Text(&settings.revision)),
            ("depends", Field::List(&settings.depends)),
        ],
    };
    form.check(root, &|key, value| match key {
        "depends" => deb::check_depends_entry(value),
        _ => deb::check_text(key, value),
    })?;
    form.save(root)
}

#[cfg(test)]
mod tests;
