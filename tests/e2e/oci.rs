//! Container images end to end: the fixture application `greet` built into
//! OCI images on a base made from Debian packages (fetched once by
//! scripts/deps.sh --oci-debs) and on a base pulled from a registry; read by
//! skopeo and umoci; pushed to Debian's `docker-registry` on 127.0.0.1 and
//! run with podman from the layout and from the registry (the recipe of the
//! containers notes: runc, cgroupfs, no default ulimits), asserting output,
//! exit code and the non-root user. Rebuilds, reproducibility, and bad input.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// The .deb files of the minimal base.
fn debs() -> PathBuf {
    let dir = std::env::var_os("GRADIENT_OCI_DEBS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let out = run(Command::new("bash")
                .arg(repo_root().join("scripts/deps.sh"))
                .arg("--print-oci-debs"));
            PathBuf::from(stdout(&out).trim())
        });
    assert!(
        dir.join(".complete").exists(),
        "the base's .deb files are missing ({}): run scripts/deps.sh --oci-debs",
        dir.display()
    );
    dir
}

/// `gradient build APP --format oci --python python3 --wheelhouse host
/// --base DEBS EXTRA…` → the JSON report.
fn build_image(app: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "--format".to_string(),
        "oci".into(),
        "--python".into(),
        python(),
        "--wheelhouse".into(),
        app_wheels("host").display().to_string(),
    ];
    if !extra.contains(&"--base") {
        args.push("--base".into());
        args.push(debs().display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    build_json(app, out, &args)
}

fn build_fails(app: &Path, extra: &[&str], env: &[(&str, &Path)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let mut cmd = gradient();
    cmd.arg("build")
        .arg(app)
        .args(["--format", "oci", "--wheelhouse"])
        .arg(app_wheels("host"));
    if !extra.contains(&"--target") {
        cmd.args(["--python", &python()]);
    }
    let out = run(cmd
        .arg("--out")
        .arg(&out_dir)
        .args(extra)
        .envs(env.iter().copied()));
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected an error: {}",
        stdout(&out)
    );
    assert!(
        !out_dir.exists(),
        "nothing written: {:?}",
        std::fs::read_dir(&out_dir).map(|d| d.count())
    );
    stderr(&out)
}

fn image(report: &Value) -> &Value {
    &report["images"][0]
}

fn digest(report: &Value) -> String {
    image(report)["digest"].as_str().unwrap().to_string()
}

fn layer_digests(report: &Value) -> Vec<String> {
    image(report)["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect()
}

fn output_path(report: &Value, suffix: &str) -> PathBuf {
    report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| PathBuf::from(a["path"].as_str().unwrap()))
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no output ending {suffix} in {report}"))
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Debian's docker-registry on a free loopback port, its storage and log
/// in a temporary directory; stopped (by its pid) when dropped.
struct Registry {
    child: Child,
    pub addr: String,
    pub storage: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let storage = dir.path().join("storage");
        let config = dir.path().join("reg.yml");
        write(
            &config,
            &format!(
                "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
                storage.display()
            ),
        );
        let log = dir.path().join("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(std::fs::File::create(dir.path().join("stdout.log")).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("docker-registry starts (scripts/deps.sh installs it)");
        let registry = Registry {
            child,
            addr,
            storage,
            log,
            _dir: dir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(&registry.addr).is_ok() {
                return registry;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "the registry did not start: {}",
            std::fs::read_to_string(&registry.log).unwrap_or_default()
        );
    }

    /// Digests of every blob the registry stores.
    fn blobs(&self) -> BTreeSet<String> {
        let dir = self.storage.join("docker/registry/v2/blobs/sha256");
        let mut out = BTreeSet::new();
        for prefix in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            for blob in std::fs::read_dir(prefix.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                out.insert(format!("sha256:{}", blob.file_name().to_string_lossy()));
            }
        }
        out
    }

    /// The request lines of the access log (`"PUT /v2/… HTTP/1.1"`).
    fn requests(&self) -> Vec<String> {
        let logs = [self.log.clone(), self.log.with_file_name("stdout.log")];
        logs.iter()
            .map(|l| std::fs::read_to_string(l).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
            .lines()
            .filter_map(|l| {
                let start = l
                    .find("\"GET ")
                    .or(l.find("\"PUT "))
                    .or(l.find("\"HEAD "))
                    .or(l.find("\"POST "))
                    .or(l.find("\"PATCH "))?;
                let rest = &l[start + 1..];
                Some(rest[..rest.find('"')?].to_string())
            })
            .collect()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// podman with the recipe from the containers notes and its own storage.
struct Podman {
    dir: tempfile::TempDir,
}

impl Podman {
    fn new() -> Podman {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path().join("containers.conf"),
            "[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = \"cgroupfs\"\n",
        );
        Podman { dir }
    }

    fn run(&self, image: &str, args: &[&str]) -> Output {
        run(Command::new("podman")
            .env("CONTAINERS_CONF", self.dir.path().join("containers.conf"))
            .arg("--root")
            .arg(self.dir.path().join("storage"))
            .arg("--runroot")
            .arg(self.dir.path().join("run"))
            .args([
                "--cgroup-manager=cgroupfs",
                "--runtime",
                "runc",
                "run",
                "--rm",
                "--tls-verify=false",
            ])
            .args(args.iter().take_while(|a| **a != "--").copied())
            .arg(image)
            .args(args.iter().skip_while(|a| **a != "--").skip(1).copied()))
    }
}

/// `3.11`: the X.Y of the python3 the images bundle.
fn py_version() -> String {
    let out =
        run(Command::new(python())
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]));
    stdout(&out).trim().to_string()
}

/// A directory whose path is all lowercase: podman names an image read
/// from `oci:PATH` after the path, and refuses uppercase repository names
/// (which random temporary names contain). Removed when dropped.
struct LowercaseDir(PathBuf);

impl LowercaseDir {
    fn new(name: &str) -> LowercaseDir {
        let dir = std::env::temp_dir().join(format!("gradient-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        LowercaseDir(dir)
    }
}

impl Drop for LowercaseDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn assert_runs(podman: &Podman, image: &str) {
    let hello = podman.run(image, &["--", "Ada", "--shout", "--html", "<b>"]);
    assert!(
        hello.status.success(),
        "podman run {image}: {}",
        stderr(&hello)
    );
    assert_eq!(stdout(&hello), "HELLO, ADA!\nescaped: &lt;b&gt;\n");
    let code = podman.run(image, &["--", "--exit-code", "7"]);
    assert_eq!(code.status.code(), Some(7), "{}", stderr(&code));
    let who = podman.run(
        image,
        &[
            "--entrypoint",
            &format!("/opt/greet/python/bin/python{}", py_version()),
            "--",
            "-c",
            "import os; print(os.getuid(), os.getgid())",
        ],
    );
    assert_eq!(stdout(&who).trim(), "65532 65532", "{}", stderr(&who));
}

#[test]
fn image_on_a_debian_package_base_is_read_by_skopeo_and_umoci_and_runs_from_layout_and_registry() {
    let (_tmp, app) = fixture("app");
    let out = LowercaseDir::new("oci-layout-run");
    let registry = Registry::start();
    let dest = format!("{}/team/greet:1.2.0", registry.addr);
    let report = build_image(&app, &out.0, &["--push", &dest, "--insecure"]);
    let digest = digest(&report);
    assert_eq!(
        layer_digests(&report).len(),
        4,
        "base, runtime, dependencies, project"
    );
    let pushed = &image(&report)["pushed"];
    assert_eq!(pushed["digest"], digest.as_str());
    assert_eq!(
        pushed["uploaded"].as_array().unwrap().len(),
        5,
        "4 layers and the config"
    );
    let layout = output_path(&report, "-oci");

    // skopeo reads the layout, the docker-load tar, the oci-archive and the registry.
    let inspected = json_of(&run(Command::new("skopeo")
        .arg("inspect")
        .arg(format!("oci:{}:1.2.0", layout.display()))));
    assert_eq!(inspected["Digest"], digest.as_str());
    assert_eq!(inspected["Architecture"], "amd64");
    assert_eq!(inspected["Layers"].as_array().unwrap().len(), 4);
    assert_eq!(inspected["Labels"], Value::Null);
    let docker = json_of(&run(Command::new("skopeo").arg("inspect").arg(format!(
        "docker-archive:{}",
        output_path(&report, ".docker.tar").display()
    ))));
    assert_eq!(docker["Layers"].as_array().unwrap().len(), 4);
    let archive = json_of(&run(Command::new("skopeo").arg("inspect").arg(format!(
        "oci-archive:{}",
        output_path(&report, ".oci.tar").display()
    ))));
    assert_eq!(archive["Digest"], digest.as_str());
    let remote = json_of(&run(Command::new("skopeo")
        .args(["inspect", "--tls-verify=false"])
        .arg(format!("docker://{dest}"))));
    assert_eq!(remote["Digest"], digest.as_str());
    let copy = tempfile::tempdir().unwrap();
    let copied = run(Command::new("skopeo")
        .arg("copy")
        .arg(format!("oci:{}:1.2.0", layout.display()))
        .arg(format!("oci:{}:copied", copy.path().join("l").display())));
    assert!(copied.status.success(), "skopeo copy: {}", stderr(&copied));

    // umoci unpacks it; the application runs in the unpacked root file system.
    let bundle = copy.path().join("bundle");
    let unpacked = run(Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:1.2.0", layout.display()))
        .arg(&bundle));
    assert!(
        unpacked.status.success(),
        "umoci unpack: {}",
        stderr(&unpacked)
    );
    let rootfs = bundle.join("rootfs");
    assert!(rootfs.join("opt/greet/python/bin/greet").is_file());
    assert!(rootfs.join("etc/ssl/certs/ca-certificates.crt").is_file());
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap();
    assert!(passwd.contains("nonroot:x:65532:65532:"), "{passwd}");
    let chrooted = run(Command::new("chroot")
        .arg(&rootfs)
        .args(["/opt/greet/python/bin/greet", "Ada"])
        .env("LD_LIBRARY_PATH", "/opt/greet/lib:/opt/greet/python/lib"));
    assert_eq!(stdout(&chrooted), "Hello, Ada!\n", "{}", stderr(&chrooted));

    // podman runs it from the layout and from the registry.
    let podman = Podman::new();
    assert_runs(&podman, &format!("oci:{}:1.2.0", layout.display()));
    assert_runs(&podman, &dest);

    // Gradient's own inspector verifies every digest and finds the app.
    let inspect = run(gradient().arg("inspect").arg(&layout).arg("--json"));
    let report = json_of(&inspect);
    assert_eq!(report["manifest_digest"], digest.as_str());
    assert_eq!(report["runs_as_root"], false);
    assert!(report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["digest_ok"] == true && l["diff_id_ok"] == true));
    let interpreter = format!("opt/greet/python/bin/python{}", py_version());
    assert!(
        report["python"]["interpreters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == interpreter.as_str()),
        "{report}"
    );
    assert!(report["python"]["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "greet-1.2.0"));
    assert_eq!(
        report["annotations"]["org.opencontainers.image.title"],
        "greet"
    );
    assert_eq!(
        report["annotations"]["org.opencontainers.image.licenses"],
        "MIT"
    );
    let config_env = report["config"]["Env"].as_array().unwrap();
    assert!(config_env
        .iter()
        .any(|e| e.as_str().unwrap().starts_with("PATH=/usr/local/sbin:")
            && e.as_str().unwrap().ends_with(":/opt/greet/python/bin")));
}

#[test]
fn a_rebuild_after_editing_one_module_changes_and_pushes_only_the_top_layer() {
    let (_tmp, app) = fixture("app");
    let registry = Registry::start();
    let dest = format!("{}/greet:dev", registry.addr);
    let first_out = tempfile::tempdir().unwrap();
    let first = build_image(&app, first_out.path(), &["--push", &dest, "--insecure"]);
    let before = registry.blobs();
    let requests_before = registry.requests().len();

    let cli = app.join("greet/cli.py");
    let text = std::fs::read_to_string(&cli)
        .unwrap()
        .replace("Hello, %s!", "Hi there, %s!");
    std::fs::write(&cli, text).unwrap();
    let second_out = tempfile::tempdir().unwrap();
    let second = build_image(&app, second_out.path(), &["--push", &dest, "--insecure"]);

    let (a, b) = (layer_digests(&first), layer_digests(&second));
    assert_eq!(a[..3], b[..3], "base, runtime and dependencies unchanged");
    assert_ne!(a[3], b[3], "the project layer changed");
    let pushed = &image(&second)["pushed"];
    assert_eq!(
        pushed["uploaded"].as_array().unwrap().len(),
        2,
        "the project layer and the config: {pushed}"
    );
    assert_eq!(pushed["skipped"].as_array().unwrap().len(), 3);

    // The registry's side: its storage gained the new layer, config and
    // manifest only, and its log shows two blob uploads for the second push.
    let added: BTreeSet<String> = registry.blobs().difference(&before).cloned().collect();
    let config = json_of(&run(Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{dest}"))))["config"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let expected: BTreeSet<String> = [b[3].clone(), config, digest(&second)].into();
    assert_eq!(added, expected);
    let uploads: Vec<String> = registry.requests()[requests_before..]
        .iter()
        .filter(|r| r.starts_with("PUT ") && r.contains("/blobs/uploads/"))
        .cloned()
        .collect();
    assert_eq!(uploads.len(), 2, "{uploads:?}");

    let podman = Podman::new();
    let hi = podman.run(&dest, &["--", "Ada"]);
    assert_eq!(stdout(&hi), "Hi there, Ada!\n", "{}", stderr(&hi));

    // gradient diff names the layer and the file.
    let diff = run(gradient()
        .arg("diff")
        .arg(output_path(&first, "-oci"))
        .arg(output_path(&second, "-oci")));
    assert_eq!(diff.status.code(), Some(1));
    let text = stdout(&diff);
    assert!(
        text.contains("layer 0: unchanged") && text.contains("layer 2: unchanged"),
        "{text}"
    );
    assert!(text.contains("layer 3: changed"), "{text}");
    assert!(text.contains("greet/cli.py"), "{text}");
}

#[test]
fn copies_at_different_paths_and_times_build_the_same_image() {
    let (_a, first) = fixture("app");
    let (_b, second) = fixture("app");
    // Different modification times on every file of the second copy.
    for f in ["pyproject.toml", "greet/cli.py", "greet/__init__.py"] {
        let file = std::fs::File::options()
            .write(true)
            .open(second.join(f))
            .unwrap();
        file.set_modified(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000),
        )
        .unwrap();
    }
    let (x, y) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = build_image(&first, x.path(), &[]);
    let two = build_image(&second, y.path(), &[]);
    assert_eq!(digest(&one), digest(&two));
    let read = |p: PathBuf| std::fs::read(p).unwrap();
    assert!(
        read(output_path(&one, ".oci.tar")) == read(output_path(&two, ".oci.tar")),
        "oci-archives differ"
    );
    assert!(
        read(output_path(&one, ".docker.tar")) == read(output_path(&two, ".docker.tar")),
        "docker tars differ"
    );
}

#[test]
fn a_base_pulled_from_a_registry_with_its_python_and_mounted_layers() {
    let (_tmp, app) = fixture("app");
    let registry = Registry::start();
    let base_ref = format!("{}/bases/greet-runtime:1", registry.addr);
    let out = tempfile::tempdir().unwrap();
    let first = build_image(&app, out.path(), &["--push", &base_ref, "--insecure"]);

    // The first image is the base of the second, pulled over the API; the
    // application uses the base's Python; the base layers are mounted.
    let dest = format!("{}/apps/greet:2", registry.addr);
    let out2 = tempfile::tempdir().unwrap();
    let second = build_image(
        &app,
        out2.path(),
        &[
            "--base",
            &base_ref,
            "--insecure",
            "--base-python",
            "--push",
            &dest,
        ],
    );
    let (a, b) = (layer_digests(&first), layer_digests(&second));
    assert_eq!(b.len(), 6, "4 base layers, dependencies, project");
    assert_eq!(a, b[..4]);
    let pushed = &image(&second)["pushed"];
    assert_eq!(pushed["mounted"].as_array().unwrap().len(), 4, "{pushed}");
    let podman = Podman::new();
    let hello = podman.run(&dest, &["--", "Ada", "--where"]);
    assert!(hello.status.success(), "{}", stderr(&hello));
    let text = stdout(&hello);
    assert!(
        text.starts_with("Hello, Ada!\nspeedups: /opt/greet/site-packages/markupsafe/"),
        "{text}"
    );

    // A base whose Python is not the target's is refused.
    let other = app_wheels("other");
    let version = std::fs::read_to_string(other.join("VERSION")).unwrap();
    let target = format!("{}-manylinux_2_17_x86_64", version.trim());
    let err = build_fails(
        &app,
        &[
            "--base",
            &base_ref,
            "--insecure",
            "--base-python",
            "--target",
            &target,
            "--wheelhouse",
            &other.display().to_string(),
        ],
        &[],
    );
    assert!(err.contains("the application is built for Python"), "{err}");
}

/// A server answering every request with 401 and a Basic challenge.
fn refusing_registry() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    addr
}

/// An OCI layout of an empty arm64 image.
fn arm64_layout(dir: &Path) {
    use sha2::{Digest, Sha256};
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = format!("{:x}", Sha256::digest(bytes));
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let (config, csize) = put(br#"{"architecture":"arm64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":{csize}}},"layers":[]}}"#
    );
    let (m, msize) = put(manifest.as_bytes());
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{m}","size":{msize}}}]}}"#),
    )
    .unwrap();
}

#[test]
fn bad_input_is_a_clear_error_and_nothing_is_written() {
    let (tmp, app) = fixture("app");
    let debs = debs().display().to_string();

    let err = build_fails(
        &app,
        &[
            "--base",
            &debs,
            "--push",
            "127.0.0.1:1/team/greet:1",
            "--insecure",
        ],
        &[],
    );
    assert!(
        err.contains("registry 127.0.0.1:1 cannot be reached"),
        "{err}"
    );

    let refusing = refusing_registry();
    let err = build_fails(
        &app,
        &[
            "--base",
            &debs,
            "--push",
            &format!("{refusing}/team/greet:1"),
            "--insecure",
        ],
        &[],
    );
    assert!(
        err.contains("refused access") && err.contains("no credentials"),
        "{err}"
    );
    // With credentials from an auth file: refused again, the password never shown.
    let auth = tmp.path().join("auth.json");
    write(
        &auth,
        &format!(r#"{{"auths":{{"{refusing}":{{"auth":"YWRhOnRvcC1zZWNyZXQtcGFzc3dvcmQ="}}}}}}"#),
    );
    let err = build_fails(
        &app,
        &[
            "--base",
            &debs,
            "--push",
            &format!("{refusing}/team/greet:1"),
            "--insecure",
        ],
        &[("REGISTRY_AUTH_FILE", &auth)],
    );
    assert!(
        err.contains("refused access") && err.contains("`ada`"),
        "{err}"
    );
    assert!(
        !err.contains("top-secret-password") && !err.contains("YWRh"),
        "{err}"
    );

    let err = build_fails(
        &app,
        &[
            "--base",
            &debs,
            "--push",
            "ghcr.io/team/greet:1",
            "--insecure",
        ],
        &[],
    );
    assert!(err.contains("--insecure"), "{err}");

    let arm = tmp.path().join("arm64");
    arm64_layout(&arm);
    let err = build_fails(&app, &["--base", &format!("oci:{}", arm.display())], &[]);
    assert!(err.contains("linux/arm64, not linux/amd64"), "{err}");

    for tag in ["Greet:1", "greet:bad tag", "greet:-x"] {
        let err = build_fails(&app, &["--base", &debs, "--tag", tag], &[]);
        assert!(
            err.contains("is not a valid image reference"),
            "{tag}: {err}"
        );
    }

    let err = build_fails(&app, &[], &[]);
    assert!(err.contains("an image needs a base"), "{err}");
}

#[test]
fn the_inspector_reports_a_damaged_layer() {
    let (_tmp, app) = fixture("app");
    let out = tempfile::tempdir().unwrap();
    let report = build_image(&app, out.path(), &[]);
    let layout = output_path(&report, "-oci");
    let top = layer_digests(&report)[3]
        .trim_start_matches("sha256:")
        .to_string();
    let blob = layout.join("blobs/sha256").join(top);
    let mut bytes = std::fs::read(&blob).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let inspect = run(gradient().arg("inspect").arg(&layout));
    assert_eq!(inspect.status.code(), Some(1), "{}", stdout(&inspect));
    assert!(stdout(&inspect).contains("O02"), "{}", stdout(&inspect));
}
