//! The image configuration of an application image (config.md): what runs
//! (Entrypoint: the console script), as whom (a non-root User unless told
//! otherwise), with which environment (the base's PATH extended by the
//! application's bin directory, not replaced), where (WorkingDir), which
//! ports and labels (`[tool.gradient.oci]`), and the history, one entry per
//! layer. `created` is SOURCE_DATE_EPOCH so the digest is reproducible.

use super::layer::LayerBlob;
use super::spec::{self, History, ImageConfig, RunConfig};
use crate::project::OciSettings;
use std::collections::BTreeMap;

/// The PATH of an image whose base sets none (Docker's default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `8000` → `8000/tcp`; `53/udp` as is; `None` when not a port.
pub fn exposed_port(text: &str) -> Option<String> {
    let (port, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    let ok = port.parse::<u16>().is_ok_and(|p| p > 0) && matches!(proto, "tcp" | "udp" | "sctp");
    ok.then(|| format!("{port}/{proto}"))
}

/// What the application layers contribute to the configuration.
#[derive(Debug, Clone)]
pub struct AppRun {
    pub entrypoint: Vec<String>,
    /// Directories appended to PATH.
    pub path: Vec<String>,
    /// Extra environment (e.g. LD_LIBRARY_PATH for bundled libraries).
    pub env: Vec<(String, String)>,
}

/// Build the configuration. `base` is the base image's configuration (none
/// for a base made from packages); `base_layers` are its layers (with their
/// history lines when the base has none).
#[allow(clippy::too_many_arguments)]
pub fn image_config(
    base: Option<&ImageConfig>,
    base_layers: &[LayerBlob],
    user: &str,
    run: &AppRun,
    settings: &OciSettings,
    app_layers: &[LayerBlob],
    architecture: &str,
    mtime: u64,
) -> ImageConfig {
    let created = spec::rfc3339(mtime);
    let inherited = base.map(|b| b.config.clone()).unwrap_or_default();
    let mut env: Vec<String> = inherited.env.clone().unwrap_or_default();
    let base_path = inherited
        .env_var("PATH")
        .unwrap_or(DEFAULT_PATH)
        .to_string();
    let mut path = base_path.clone();
    for dir in &run.path {
        if !base_path.split(':').any(|p| p == dir) {
            path = format!("{path}:{dir}");
        }
    }
    let mut set = |k: &str, v: &str| {
        env.retain(|kv| kv.split_once('=').map(|(n, _)| n) != Some(k));
        env.push(format!("{k}={v}"));
    };
    set("PATH", &path);
    for (k, v) in &run.env {
        set(k, v);
    }
    for (k, v) in &settings.env {
        if k != "PATH" {
            set(k, v);
        }
    }
    let ports: BTreeMap<String, serde_json::Value> = settings
        .ports
        .iter()
        .filter_map(|p| exposed_port(p))
        .map(|p| (p, serde_json::json!({})))
        .chain(inherited.exposed_ports.clone().unwrap_or_default())
        .collect();
    let mut labels = inherited.labels.clone().unwrap_or_default();
    labels.extend(settings.labels.clone());
    let mut history: Vec<History> = match base {
        Some(b) if !b.history.is_empty() => b.history.clone(),
        _ => base_layers
            .iter()
            .map(|l| layer_history(l, &created))
            .collect(),
    };
    history.extend(app_layers.iter().map(|l| layer_history(l, &created)));
    ImageConfig {
        created: Some(created),
        author: None,
        architecture: architecture.into(),
        os: "linux".into(),
        variant: None,
        config: RunConfig {
            user: Some(settings.user.clone().unwrap_or_else(|| user.to_string())),
            exposed_ports: (!ports.is_empty()).then_some(ports),
            env: Some(env),
            entrypoint: Some(run.entrypoint.clone()),
            // The base's Cmd would become the application's arguments.
            cmd: None,
            working_dir: Some(
                settings
                    .workdir
                    .clone()
                    .or(inherited.working_dir.filter(|w| !w.is_empty()))
                    .unwrap_or_else(|| "/".into()),
            ),
            labels: (!labels.is_empty()).then_some(labels),
        },
        rootfs: spec::RootFs::default(),
        history,
    }
}

fn layer_history(l: &LayerBlob, created: &str) -> History {
    History {
        created: Some(created.into()),
        created_by: Some(l.created_by.clone()),
        comment: Some(format!("gradient {}", env!("CARGO_PKG_VERSION"))),
        empty_layer: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(name: &str) -> LayerBlob {
        LayerBlob {
            name: name.into(),
            created_by: format!("{name} layer"),
            digest: String::new(),
            diff_id: String::new(),
            media_type: spec::LAYER_GZIP.into(),
            size: 0,
            uncompressed_size: 0,
            files: 0,
            bytes: Vec::new().into(),
        }
    }

    #[test]
    fn path_is_appended_and_settings_apply() {
        let base = ImageConfig {
            config: RunConfig {
                env: Some(vec!["PATH=/usr/bin:/bin".into(), "LANG=C.UTF-8".into()]),
                user: Some("0".into()),
                cmd: Some(vec!["bash".into()]),
                ..RunConfig::default()
            },
            ..ImageConfig::default()
        };
        let run = AppRun {
            entrypoint: vec!["/opt/app/python/bin/app".into()],
            path: vec!["/opt/app/python/bin".into()],
            env: vec![],
        };
        let settings = OciSettings {
            ports: vec!["8000".into(), "53/udp".into()],
            labels: [("team".to_string(), "web".to_string())].into(),
            env: [
                ("PATH".to_string(), "/evil".to_string()),
                ("MODE".to_string(), "prod".to_string()),
            ]
            .into(),
            ..OciSettings::default()
        };
        let c = image_config(
            Some(&base),
            &[layer("base")],
            "65532:65532",
            &run,
            &settings,
            &[layer("runtime")],
            "amd64",
            0,
        );
        assert_eq!(
            c.config.env_var("PATH"),
            Some("/usr/bin:/bin:/opt/app/python/bin")
        );
        assert_eq!(c.config.env_var("LANG"), Some("C.UTF-8"));
        assert_eq!(c.config.env_var("MODE"), Some("prod"));
        assert_eq!(c.config.user.as_deref(), Some("65532:65532"));
        assert_eq!(c.config.cmd, None);
        let ports = c.config.exposed_ports.unwrap();
        assert!(ports.contains_key("8000/tcp") && ports.contains_key("53/udp"));
        assert_eq!(c.history.len(), 2);
        assert_eq!(c.created.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(exposed_port("0"), None);
        assert_eq!(exposed_port("80/http"), None);
    }
}
