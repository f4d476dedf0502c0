//! Typed access to a spanned TOML document, with errors that carry the file,
//! the 1-based line and the dotted field path.

use super::ProjectError;
use std::cell::RefCell;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub type Value<'i> = Spanned<DeValue<'i>>;

/// The document being read: its file name and text, to turn spans into lines,
/// the warnings met so far (valid input the builder would rather not see)
/// and the problems met so far in fields read independently of each other.
pub struct Doc<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub warnings: RefCell<Vec<String>>,
    pub errors: RefCell<Vec<ProjectError>>,
}

impl Doc<'_> {
    /// The value, or `None` with its problem kept for [`Doc::finish`]: the
    /// reading goes on, so one run reports every problem of the file.
    pub fn keep<T>(&self, result: Result<T, ProjectError>) -> Option<T> {
        result.map_err(|e| self.errors.borrow_mut().push(e)).ok()
    }

    /// Every problem kept, as one error (in file order), or none.
    pub fn finish(&self) -> Result<(), ProjectError> {
        let mut errors = self.errors.take();
        errors.sort_by_key(|e| e.line.unwrap_or(0));
        let mut errors = errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(first) => Err(ProjectError {
                more: errors.collect(),
                ..first
            }),
        }
    }

    pub fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// An error at `span` about `field`.
    pub fn err(
        &self,
        span: &Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> ProjectError {
        ProjectError {
            file: self.file.to_path_buf(),
            line: Some(self.line(span)),
            field: Some(field.to_string()),
            message: message.into(),
            more: Vec::new(),
        }
    }

    /// A warning at `span` about `field`, worded like an error
    /// (`file:line: field: message`): the input is valid, the build goes on.
    pub fn warn(&self, span: &Range<usize>, field: &str, message: impl Into<String>) {
        let text = self.err(span, field, message).to_string();
        self.warnings.borrow_mut().push(text);
    }

    pub fn str<'v>(&self, value: &'v Value<'_>, field: &str) -> Result<&'v str, ProjectError> {
        value.get_ref().as_str().ok_or_else(|| {
            self.err(
                &value.span(),
                field,
                format!("expected a string, found {}", kind(value.get_ref())),
            )
        })
    }

    pub fn bool(&self, value: &Value<'_>, field: &str) -> Result<bool, ProjectError> {
        value.get_ref().as_bool().ok_or_else(|| {
            self.err(
                &value.span(),
                field,
                format!("expected true or false, found {}", kind(value.get_ref())),
            )
        })
    }

    pub fn table<'v, 'i>(
        &self,
        value: &'v Value<'i>,
        field: &str,
    ) -> Result<&'v DeTable<'i>, ProjectError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.err(
                &value.span(),
                field,
                format!("expected a table, found {}", kind(other)),
            )),
        }
    }

    pub fn array<'v, 'i>(
        &self,
        value: &'v Value<'i>,
        field: &str,
    ) -> Result<&'v [Value<'i>], ProjectError> {
        match value.get_ref() {
            DeValue::Array(a) => Ok(a),
            other => Err(self.err(
                &value.span(),
                field,
                format!("expected an array, found {}", kind(other)),
            )),
        }
    }

    /// An array of strings, each with its field path (`field[i]`) and span.
    pub fn strings(&self, value: &Value<'_>, field: &str) -> Result<Vec<Item>, ProjectError> {
        self.array(value, field)?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let f = format!("{field}[{i}]");
                Ok(Item {
                    text: self.str(v, &f)?.to_string(),
                    span: v.span(),
                    field: f,
                })
            })
            .collect()
    }

    /// A table of strings (`key = "value"`), in file order.
    pub fn string_table(
        &self,
        value: &Value<'_>,
        field: &str,
    ) -> Result<Vec<(Item, Item)>, ProjectError> {
        self.table(value, field)?
            .iter()
            .map(|(k, v)| {
                let f = format!("{field}.{}", quote_key(k.get_ref()));
                let key = Item {
                    text: k.get_ref().to_string(),
                    span: k.span(),
                    field: f.clone(),
                };
                let val = Item {
                    text: self.str(v, &f)?.to_string(),
                    span: v.span(),
                    field: f,
                };
                Ok((key, val))
            })
            .collect()
    }

    /// Reject keys of `table` not in `valid`, naming the valid ones.
    pub fn only_keys(
        &self,
        table: &DeTable<'_>,
        field: &str,
        valid: &[&str],
    ) -> Result<(), ProjectError> {
        for (key, _) in table.iter() {
            if !valid.contains(&key.get_ref().as_ref()) {
                let path = if field.is_empty() {
                    key.get_ref().to_string()
                } else {
                    format!("{field}.{}", quote_key(key.get_ref()))
                };
                return Err(self.err(
                    &key.span(),
                    &path,
                    format!(
                        "unknown key `{}`; valid keys are: {}",
                        key.get_ref(),
                        valid.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A string from the document with where it was.
#[derive(Debug, Clone)]
pub struct Item {
    pub text: String,
    pub span: Range<usize>,
    pub field: String,
}

/// Look a key up in a spanned table.
pub fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v)
}

/// The span of a key in a table (for "given here" errors).
pub fn key_span(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(k, _)| k.span())
}

fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Keys that are not bare TOML keys are quoted in field paths.
fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_string()
    } else {
        format!("\"{key}\"")
    }
}
