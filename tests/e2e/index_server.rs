//! A package index on 127.0.0.1 for the index tests: serves a wheelhouse
//! through the simple repository API, as PEP 691 JSON (with PEP 658 metadata
//! files) or as PEP 503 HTML (without, so clients must read the wheel).
//! Files named in `tampered` are served with one byte changed.

use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Json,
    Html,
}

pub struct Server {
    pub url: String,
}

struct State {
    dir: PathBuf,
    flavour: Flavour,
    tampered: Vec<String>,
}

impl Server {
    pub fn start(dir: &Path, flavour: Flavour, tampered: &[&str]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}/simple/", listener.local_addr().expect("addr"));
        let state = Arc::new(State {
            dir: dir.to_path_buf(),
            flavour,
            tampered: tampered.iter().map(|s| s.to_string()).collect(),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Server { url }
    }
}

fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if matches!(c, '-' | '_' | '.') {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

fn project_of(file: &str) -> String {
    normalize(file.split('-').next().unwrap_or(file))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn metadata_of(wheel: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(wheel)).expect("wheel is a zip");
    let name = zip
        .file_names()
        .find(|n| n.ends_with(".dist-info/METADATA"))
        .expect("METADATA")
        .to_string();
    let mut out = Vec::new();
    zip.by_name(&name)
        .expect("METADATA")
        .read_to_end(&mut out)
        .expect("read");
    out
}

fn serve(mut stream: TcpStream, state: &State) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map(|n| n == 0).unwrap_or(true) || line == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (status, content_type, body) = respond(&path, state);
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn respond(path: &str, state: &State) -> (&'static str, &'static str, Vec<u8>) {
    let not_found = ("404 Not Found", "text/plain", b"not found".to_vec());
    let mut files: Vec<String> = std::fs::read_dir(&state.dir)
        .expect("wheelhouse")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".whl") || n.ends_with(".tar.gz"))
        .collect();
    files.sort();
    if let Some(project) = path
        .strip_prefix("/simple/")
        .map(|p| p.trim_end_matches('/'))
    {
        let mine: Vec<&String> = files.iter().filter(|f| project_of(f) == project).collect();
        if mine.is_empty() {
            return not_found;
        }
        return match state.flavour {
            Flavour::Json => {
                let entries: Vec<serde_json::Value> = mine
                    .iter()
                    .map(|f| {
                        let bytes = std::fs::read(state.dir.join(f)).expect("read");
                        let mut entry = serde_json::json!({
                            "filename": f,
                            "url": format!("../../files/{f}"),
                            "hashes": {"sha256": sha256(&bytes)},
                        });
                        if f.ends_with(".whl") {
                            entry["core-metadata"] =
                                serde_json::json!({"sha256": sha256(&metadata_of(&bytes))});
                        }
                        entry
                    })
                    .collect();
                let page = serde_json::json!({"meta": {"api-version": "1.1"}, "name": project, "files": entries});
                (
                    "200 OK",
                    "application/vnd.pypi.simple.v1+json",
                    page.to_string().into_bytes(),
                )
            }
            Flavour::Html => {
                let mut page = String::from("<!DOCTYPE html>\n<html><body>\n");
                for f in mine {
                    let bytes = std::fs::read(state.dir.join(f)).expect("read");
                    page.push_str(&format!(
                        "<a href=\"../../files/{f}#sha256={}\" data-requires-python=\"&gt;=3.8\">{f}</a><br/>\n",
                        sha256(&bytes)
                    ));
                }
                page.push_str("</body></html>\n");
                ("200 OK", "text/html", page.into_bytes())
            }
        };
    }
    if let Some(file) = path.strip_prefix("/files/") {
        if let Some(wheel) = file.strip_suffix(".metadata") {
            if state.flavour == Flavour::Json && files.iter().any(|f| f == wheel) {
                let bytes = std::fs::read(state.dir.join(wheel)).expect("read");
                return ("200 OK", "application/octet-stream", metadata_of(&bytes));
            }
            return not_found;
        }
        if files.iter().any(|f| f == file) {
            let mut bytes = std::fs::read(state.dir.join(file)).expect("read");
            if state.tampered.iter().any(|t| t == file) {
                bytes.push(0);
            }
            return ("200 OK", "application/octet-stream", bytes);
        }
    }
    not_found
}
