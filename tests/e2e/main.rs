//! End-to-end tests of `gradient build` / `gradient preview`: real artifacts
//! from fixture projects, judged by the ecosystem's own tools (pip, installer,
//! twine, check-wheel-contents, packaging) running in the oracle venv.

mod bad_input;
mod build;
mod deb;
mod deb_install;
mod exe;
mod frontend;
mod hostile_wheels;
mod index_server;
mod inspect;
mod inspect_real;
mod inspect_robust;
mod interrupt;
mod oci;
mod publish;
mod published;
mod reader;
mod recommend;
mod repair;
mod sdist;
mod support;
mod trust;
mod upload_servers;
mod zipapp;
