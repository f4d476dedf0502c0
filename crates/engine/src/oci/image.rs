//! An image assembled in memory: its layers (compressed blobs with both
//! digests), the configuration and the manifest, serialised once so every
//! output (layout, archives, registry) carries the same bytes and digests.

use super::layer::LayerBlob;
use super::spec::{self, Descriptor, ImageConfig, Index, Manifest};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// Repository name for archives' tags (`greet`).
    pub name: String,
    /// The tag (`1.2.0`): the layout's `org.opencontainers.image.ref.name`.
    pub tag: String,
    pub config: ImageConfig,
    #[serde(skip)]
    pub config_bytes: Arc<[u8]>,
    pub config_digest: String,
    pub manifest: Manifest,
    #[serde(skip)]
    pub manifest_bytes: Arc<[u8]>,
    /// `sha256:…` of the manifest: the image's identity.
    pub digest: String,
    pub layers: Vec<LayerBlob>,
}

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::record::sha256_hex(bytes))
}

impl Image {
    /// Serialise `config` and the manifest for `layers` (in order, bottom
    /// first). The config's `rootfs.diff_ids` are set from the layers.
    pub fn assemble(
        name: &str,
        tag: &str,
        mut config: ImageConfig,
        layers: Vec<LayerBlob>,
        annotations: BTreeMap<String, String>,
    ) -> Result<Image> {
        config.rootfs = spec::RootFs {
            kind: "layers".into(),
            diff_ids: layers.iter().map(|l| l.diff_id.clone()).collect(),
        };
        let non_empty = config.history.iter().filter(|h| !h.empty_layer).count();
        if non_empty != layers.len() {
            return Err(Error::Plan(format!(
                "image history has {non_empty} layer entries for {} layers",
                layers.len()
            )));
        }
        let config_bytes: Arc<[u8]> = json(&config)?.into();
        let config_digest = digest_of(&config_bytes);
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(spec::MANIFEST.into()),
            config: Descriptor::new(
                spec::CONFIG,
                config_digest.clone(),
                config_bytes.len() as u64,
            ),
            layers: layers
                .iter()
                .map(|l| Descriptor::new(&l.media_type, l.digest.clone(), l.size))
                .collect(),
            annotations,
        };
        let manifest_bytes: Arc<[u8]> = json(&manifest)?.into();
        Ok(Image {
            name: name.into(),
            tag: tag.into(),
            digest: digest_of(&manifest_bytes),
            config,
            config_bytes,
            config_digest,
            manifest,
            manifest_bytes,
            layers,
        })
    }

    /// The manifest's descriptor, as index.json lists it.
    pub fn descriptor(&self) -> Descriptor {
        let mut d = Descriptor::new(
            spec::MANIFEST,
            self.digest.clone(),
            self.manifest_bytes.len() as u64,
        );
        d.platform = Some(spec::Platform {
            architecture: self.config.architecture.clone(),
            os: self.config.os.clone(),
            variant: self.config.variant.clone(),
        });
        d.annotations
            .insert(spec::REF_NAME.into(), self.tag.clone());
        d
    }

    /// The layout's index.json.
    pub fn index_json(&self) -> Result<Vec<u8>> {
        json(&Index {
            schema_version: 2,
            media_type: Some(spec::INDEX.into()),
            manifests: vec![self.descriptor()],
            annotations: BTreeMap::new(),
        })
    }

    /// Every blob: layers, config, manifest, sorted by digest, without
    /// repeats (two layers may be identical).
    pub fn blobs(&self) -> Vec<(String, Arc<[u8]>)> {
        let mut all: BTreeMap<String, Arc<[u8]>> = BTreeMap::new();
        for l in &self.layers {
            all.insert(l.digest.clone(), l.bytes.clone());
        }
        all.insert(self.config_digest.clone(), self.config_bytes.clone());
        all.insert(self.digest.clone(), self.manifest_bytes.clone());
        all.into_iter().collect()
    }
}

pub fn json(value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Plan(format!("cannot serialise JSON: {e}")))
}
