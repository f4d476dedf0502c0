//! The Gradient Studio engine.
//!
//! Everything a packaging format, an inspector or the decision tree needs, with
//! no GUI, no terminal and no global state. Front ends (the `gradient` CLI and
//! the desktop studio) call only this crate's public API.
//!
//! The pipeline (see DESIGN.md): [`project`] reads pyproject.toml into a
//! validated model, [`discovery`] finds the files, a format module ([`sdist`],
//! [`wheel`]) turns both into a [`plan::Plan`], and a [`sink`] writes the plan.
//! The live preview and `--dry-run` show the same plan the writer consumes.

pub mod apptree;
pub mod atomic;
pub mod build;
pub mod closure;
pub mod deb;
pub mod discovery;
pub mod elf;
pub mod entry_points;
pub mod epoch;
pub mod error;
pub mod frontend;
pub mod frozen;
pub mod gradient;
pub mod inspect;
pub mod leftovers;
pub mod links;
pub mod metadata;
pub mod names;
pub mod oci;
pub mod plan;
pub mod progress;
pub mod project;
pub mod publish;
pub mod record;
pub mod repair;
pub mod runtime;
pub mod scratch;
pub mod sdist;
pub mod sink;
pub mod tags;
pub mod text;
pub mod trust;
pub mod wheel;
pub mod zipapp;

pub use error::{Error, Result};
