//! Real package index servers on 127.0.0.1 for the publishing tests —
//! pypiserver with an htpasswd file, devpi-server with a stage index — and a
//! recording proxy that can fail or hide requests. Each stops on drop.
//! Self-contained: the desktop tests include this file too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const USER: &str = "alice";
/// A token-shaped password; no output may ever contain it.
pub const TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJGUyZS1zZWNyZXQtdG9rZW4";

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().expect("command starts")
}

/// The checkout: the nearest directory above the test's crate holding
/// scripts/deps.sh.
fn repo_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("scripts/deps.sh").exists() {
        assert!(
            dir.pop(),
            "no scripts/deps.sh above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
    dir
}

/// The python of the index servers' venv (scripts/deps.sh --index-servers).
fn index_python() -> PathBuf {
    let path = std::env::var_os("GRADIENT_INDEX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let out = run(Command::new("bash")
                .arg(repo_root().join("scripts/deps.sh"))
                .arg("--print-index-python"));
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        });
    assert!(
        path.exists(),
        "the index servers' venv is missing ({}): run scripts/deps.sh --index-servers",
        path.display()
    );
    path
}

fn bin(name: &str) -> PathBuf {
    index_python().with_file_name(name)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Wait until `url` answers at all (any HTTP status).
fn wait_for(url: &str, child: &mut Child, what: &str) {
    let start = Instant::now();
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host");
    while start.elapsed() < Duration::from_secs(120) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early: {status}");
        }
        if let Ok(mut s) = TcpStream::connect(addr) {
            let _ = write!(s, "GET / HTTP/1.0\r\nHost: {addr}\r\n\r\n");
            let mut first = [0u8; 12];
            if s.read_exact(&mut first).is_ok() && first.starts_with(b"HTTP/") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what} did not start within 120 s");
}

/// A server process, killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Pypiserver {
    /// The upload URL (the server root).
    pub url: String,
    pub packages: PathBuf,
    log: PathBuf,
    _process: Process,
    _dir: tempfile::TempDir,
}

impl Pypiserver {
    /// pypiserver with uploads allowed for USER:TOKEN, no fallback to PyPI.
    pub fn start() -> Pypiserver {
        Pypiserver::start_for(USER)
    }

    /// The same, for `user` (`__token__` for a client sending an API token).
    pub fn start_for(user: &str) -> Pypiserver {
        let dir = tempfile::tempdir().expect("tempdir");
        let packages = dir.path().join("packages");
        std::fs::create_dir(&packages).expect("mkdir");
        let htpasswd = dir.path().join("htpasswd");
        let made = run(Command::new(index_python()).args([
            "-c",
            "import sys; from passlib.apache import HtpasswdFile as H; h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
        ]).arg(&htpasswd).args([user, TOKEN]));
        assert!(made.status.success(), "htpasswd: {made:?}");
        let port = free_port();
        let log = dir.path().join("server.log");
        let child = Command::new(bin("pypi-server"))
            .args([
                "run",
                "-i",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-a",
                "update",
                "-P",
            ])
            .arg(&htpasswd)
            .args(["--disable-fallback", "-v", "--log-file"])
            .arg(&log)
            .arg(&packages)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pypi-server starts");
        let mut process = Process(child);
        let url = format!("http://127.0.0.1:{port}/");
        wait_for(&url, &mut process.0, "pypiserver");
        Pypiserver {
            url,
            packages,
            log,
            _process: process,
            _dir: dir,
        }
    }

    /// The requests the server logged, e.g. `POST http://127.0.0.1:1/`.
    pub fn requests(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split("<LocalRequest: ").nth(1))
            .map(|r| r.trim_end_matches('>').to_string())
            .collect()
    }

    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.packages)
            .expect("read packages")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

pub struct Devpi {
    /// The upload URL of the stage index root/dev.
    pub url: String,
    _process: Process,
    _dir: tempfile::TempDir,
}

impl Devpi {
    /// devpi-server with a non-volatile stage index `alice/dev`; uploads as
    /// USER with password TOKEN.
    pub fn start() -> Devpi {
        let dir = tempfile::tempdir().expect("tempdir");
        let server_dir = dir.path().join("server");
        let init = run(Command::new(bin("devpi-init"))
            .arg("--serverdir")
            .arg(&server_dir)
            .args(["--root-passwd", "root-password"]));
        assert!(init.status.success(), "devpi-init: {init:?}");
        let port = free_port();
        let child = Command::new(bin("devpi-server"))
            .arg("--serverdir")
            .arg(&server_dir)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("devpi-server starts");
        let mut process = Process(child);
        let root = format!("http://127.0.0.1:{port}/");
        wait_for(&root, &mut process.0, "devpi-server");
        let url = format!("{root}{USER}/dev/");
        // A user, then a stage index of theirs (devpi's JSON API).
        let script = r#"
import base64, json, sys, urllib.request as u
root, user, password = sys.argv[1:]
auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
def put(url, body, headers):
    headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    u.urlopen(u.Request(url, method="PUT", data=json.dumps(body).encode(), headers=headers))
put(root + user, {"password": password, "email": "alice@example.org"}, {})
put(root + user + "/dev", {"type": "stage", "bases": "", "volatile": False}, {"Authorization": auth})
"#;
        let made = run(Command::new(index_python()).args(["-c", script]).args([
            root.as_str(),
            USER,
            TOKEN,
        ]));
        assert!(made.status.success(), "creating {USER}/dev: {made:?}");
        Devpi {
            url,
            _process: process,
            _dir: dir,
        }
    }
}

/// What the proxy does to requests.
#[derive(Clone, Copy, Default)]
pub struct Faults {
    /// Answer the first upload with 500 without passing it on.
    pub fail_first_upload: bool,
    /// Pass the first upload on, then answer 500 anyway (stored, answer lost).
    pub lose_first_answer: bool,
    /// Answer the first simple-API page with 404 (a listing not yet updated).
    pub hide_first_listing: bool,
}

/// One request seen: method, path, and the status the client got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// An HTTP/1.1 proxy on loopback in front of `upstream`, one request per
/// connection, recording every request.
pub struct Proxy {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let upstream_url = upstream.to_string();
        let upstream_addr = upstream
            .trim_start_matches("http://")
            .split('/')
            .next()
            .expect("host")
            .to_string();
        let path_prefix = upstream_url
            .trim_start_matches("http://")
            .trim_start_matches(&upstream_addr)
            .to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = seen.clone();
        let faults = Arc::new(Mutex::new(faults));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, faults, upstream) =
                    (state.clone(), faults.clone(), upstream_addr.clone());
                std::thread::spawn(move || proxy_one(stream, &upstream, &state, &faults));
            }
        });
        Proxy {
            url: format!("http://{addr}{path_prefix}"),
            seen,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn proxy_one(
    mut client: TcpStream,
    upstream: &str,
    seen: &Mutex<Vec<Seen>>,
    faults: &Mutex<Faults>,
) {
    let Some((head, body)) = read_request(&mut client) else {
        return;
    };
    let first = head.lines().next().unwrap_or("").to_string();
    let mut parts = first.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let (fail, lose, hide) = {
        let mut f = faults.lock().expect("lock");
        let is_upload = method == "POST";
        let is_listing = method == "GET"
            && path
                .split("simple/")
                .nth(1)
                .is_some_and(|project| !project.trim_matches('/').is_empty());
        let out = (
            is_upload && f.fail_first_upload,
            is_upload && f.lose_first_answer,
            is_listing && f.hide_first_listing,
        );
        if out.0 {
            f.fail_first_upload = false;
        }
        if out.1 {
            f.lose_first_answer = false;
        }
        if out.2 {
            f.hide_first_listing = false;
        }
        out
    };
    let record = |status: u16| {
        seen.lock().expect("lock").push(Seen {
            method: method.clone(),
            path: path.clone(),
            status,
        })
    };
    if fail || hide {
        let status = if fail { 500 } else { 404 };
        record(status);
        let reason = if fail {
            "Internal Server Error"
        } else {
            "Not Found"
        };
        let _ = write!(
            client,
            "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    let head = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let _ =
        server.write_all(format!("{}\r\nConnection: close\r\n\r\n", head.trim_end()).as_bytes());
    let _ = server.write_all(&body);
    let mut response = Vec::new();
    let _ = server.read_to_end(&mut response);
    let status = String::from_utf8_lossy(&response[..response.len().min(12)])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if lose {
        record(500);
        let _ = write!(
            client,
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    record(status);
    let _ = client.write_all(&response);
}

fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head.trim_end().to_string(), body))
}
