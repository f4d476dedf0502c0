//! PEP 517 § "Config settings": the `config_settings` dictionary passed to
//! every hook, from `-C key=value` arguments. Keys and values are strings;
//! a key given more than once becomes a list of its values, in order.

use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// One setting's value: a string, or the list of a repeated key's values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Setting {
    One(String),
    Many(Vec<String>),
}

/// The `config_settings` argument of every hook (empty: `None` is passed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigSettings(pub BTreeMap<String, Setting>);

impl ConfigSettings {
    /// Parse `key=value` arguments (`key` alone means an empty value, as
    /// pypa/build does).
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<ConfigSettings> {
        let mut out: BTreeMap<String, Setting> = BTreeMap::new();
        for arg in args {
            let arg = arg.as_ref();
            let (key, value) = arg.split_once('=').unwrap_or((arg, ""));
            if key.is_empty() {
                return Err(Error::Plan(format!(
                    "config setting `{arg}`: expected KEY=VALUE"
                )));
            }
            let value = value.to_string();
            match out.remove(key) {
                None => out.insert(key.to_string(), Setting::One(value)),
                Some(Setting::One(first)) => {
                    out.insert(key.to_string(), Setting::Many(vec![first, value]))
                }
                Some(Setting::Many(mut all)) => {
                    all.push(value);
                    out.insert(key.to_string(), Setting::Many(all))
                }
            };
        }
        Ok(ConfigSettings(out))
    }

    /// The JSON value hooks receive: `null` when nothing was set.
    pub fn to_json(&self) -> serde_json::Value {
        match self.0.is_empty() {
            true => serde_json::Value::Null,
            false => serde_json::to_value(&self.0).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_become_lists() {
        let c = ConfigSettings::parse(&["a=1", "b=x=y", "a=2", "flag", "a=3"]).unwrap();
        assert_eq!(
            c.to_json(),
            serde_json::json!({"a": ["1", "2", "3"], "b": "x=y", "flag": ""})
        );
        assert_eq!(ConfigSettings::default().to_json(), serde_json::Value::Null);
        assert!(ConfigSettings::parse(&["=v"]).is_err());
    }
}
