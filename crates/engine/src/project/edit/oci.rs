//! Saving `[tool.gradient.oci]` (the image's base, tag, push target and
//! config) from the studio, each value checked by the loader's own rules
//! before the table is edited in place. The `labels` and `env` tables are
//! not in the form and stay as written; a push target is only recorded.

use super::{Field, Form};
use crate::project::{parse::check_oci_value, OciSettings, ProjectError};
use std::path::Path;

/// Write the form's keys of `settings` to `[tool.gradient.oci]` of
/// `root/pyproject.toml`: set ones written, unset ones removed, the rest of
/// the file kept byte for byte. A bad value is refused before anything is
/// written, its error naming the field (`tool.gradient.oci.ports[0]`).
pub fn save_oci_settings(root: &Path, settings: &OciSettings) -> Result<(), ProjectError> {
    let form = Form {
        table: &["tool", "gradient", "oci"],
        fields: vec![
            ("base", Field::Text(&settings.base)),
            ("tag", Field::Text(&settings.tag)),
            ("push", Field::Text(&settings.push)),
            ("user", Field::Text(&settings.user)),
            ("workdir", Field::Text(&settings.workdir)),
            ("ports", Field::List(&settings.ports)),
        ],
    };
    form.check(root, &check_oci_value)?;
    form.save(root)
}

#[cfg(test)]
mod tests;
