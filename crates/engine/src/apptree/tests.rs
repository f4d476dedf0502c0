use super::*;
use crate::progress::Silent;
use std::io::Write;

/// A wheel with a correct RECORD (unless `record` overrides it).
fn wheel(name: &str, files: &[(&str, &[u8], u32)], record: Option<&str>) -> Vec<u8> {
    make_wheel(name, "1.0", "", files, record)
}

/// A wheel of `name` `version` whose METADATA ends with `metadata` (extra
/// header lines such as `Requires-Dist: ...\n`), for tests across modules.
pub(crate) fn make_wheel(
    name: &str,
    version: &str,
    metadata: &str,
    files: &[(&str, &[u8], u32)],
    record: Option<&str>,
) -> Vec<u8> {
    let info = format!("{name}-{version}.dist-info");
    let mut all: Vec<(String, Vec<u8>, u32)> = files
        .iter()
        .map(|(p, b, m)| (p.to_string(), b.to_vec(), *m))
        .collect();
    all.push((
        format!("{info}/WHEEL"),
        b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        0o644,
    ));
    all.push((
        format!("{info}/METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata}").into_bytes(),
        0o644,
    ));
    let rows: Vec<(String, [u8; 32], u64)> = all
        .iter()
        .map(|(p, b, _)| (p.clone(), Sha256::digest(b).into(), b.len() as u64))
        .collect();
    let record_text = record
        .map(str::to_string)
        .unwrap_or_else(|| crate::record::render(&rows, &format!("{info}/RECORD")));
    all.push((format!("{info}/RECORD"), record_text.into_bytes(), 0o644));
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (p, b, mode) in &all {
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        zip.start_file(p.as_str(), opts).unwrap();
        zip.write_all(b).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn install_all(wheels: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, Result<AppTree>) {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<WheelInput<'_>> = wheels
        .iter()
        .map(|(f, b)| WheelInput {
            file_name: f,
            data: WheelData::Bytes(b),
        })
        .collect();
    let tree = install(
        &inputs,
        &dir.path().join("tree"),
        &Layout::standard("/opt/py/bin/python3"),
        &Silent,
    );
    (dir, tree)
}

#[test]
fn installs_schemes_scripts_and_a_new_record() {
    let w = wheel(
        "demo",
        &[
            ("demo/__init__.py", b"def main():\n    return 0\n", 0o644),
            ("demo/_speed.cpython-312-x86_64-linux-gnu.so", b"\x7fELF", 0o755),
            ("demo-1.0.data/scripts/tool", b"#!python\nprint('hi')\n", 0o644),
            ("demo-1.0.data/headers/demo.h", b"int x;\n", 0o644),
            ("demo-1.0.data/data/share/demo/readme.txt", b"r\n", 0o644),
            ("demo-1.0.dist-info/entry_points.txt", b"[console_scripts]\ndemo = demo:main [extra]\n[gui_scripts]\ndemo-gui = demo.sub:App.run\n", 0o644),
        ],
        None,
    );
    let (dir, tree) = install_all(&[("demo-1.0-py3-none-any.whl", w)]);
    let tree = tree.unwrap();
    let root = dir.path().join("tree");
    let paths: Vec<&str> = tree.files.iter().map(|f| f.path.as_str()).collect();
    for p in [
        "site-packages/demo/__init__.py",
        "bin/tool",
        "bin/demo",
        "bin/demo-gui",
        "include/demo/demo.h",
        "data/share/demo/readme.txt",
        "site-packages/demo-1.0.dist-info/INSTALLER",
        "site-packages/demo-1.0.dist-info/RECORD",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    assert!(tree.native);
    let tool = std::fs::read_to_string(root.join("bin/tool")).unwrap();
    assert_eq!(tool, "#!/opt/py/bin/python3\nprint('hi')\n");
    let launcher = std::fs::read_to_string(root.join("bin/demo-gui")).unwrap();
    assert!(launcher.starts_with("#!/opt/py/bin/python3\n"));
    assert!(
        launcher.contains("from demo.sub import App\n") && launcher.contains("sys.exit(App.run())")
    );
    assert_eq!(tree.scripts.len(), 2);
    assert_eq!(tree.scripts[0].object, "demo:main");
    let record =
        std::fs::read_to_string(root.join("site-packages/demo-1.0.dist-info/RECORD")).unwrap();
    assert!(record.contains("../bin/demo,sha256="), "{record}");
    assert!(record.contains("demo/__init__.py,sha256="), "{record}");
    assert!(record.ends_with("demo-1.0.dist-info/RECORD,,\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(root.join("bin/demo"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}

#[test]
fn a_file_that_does_not_match_record_is_refused() {
    let good = wheel("demo", &[("demo/__init__.py", b"x = 1\n", 0o644)], None);
    let record = String::from_utf8_lossy(&good).to_string();
    assert!(record.contains("demo/__init__.py"));
    let lying = wheel(
        "demo",
        &[("demo/__init__.py", b"x = 2\n", 0o644)],
        Some("demo/__init__.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,6\ndemo-1.0.dist-info/WHEEL,,\ndemo-1.0.dist-info/METADATA,,\ndemo-1.0.dist-info/RECORD,,\n"),
    );
    let (_d, tree) = install_all(&[("demo-1.0-py3-none-any.whl", lying)]);
    let e = tree.unwrap_err().to_string();
    assert!(
        e.contains("demo-1.0-py3-none-any.whl: demo/__init__.py: content does not match RECORD"),
        "{e}"
    );
}

#[test]
fn unlisted_escaping_and_conflicting_files_are_refused() {
    let unlisted = wheel(
        "demo",
        &[("demo/a.py", b"", 0o644)],
        Some("demo-1.0.dist-info/RECORD,,\n"),
    );
    let (_d, tree) = install_all(&[("demo-1.0-py3-none-any.whl", unlisted)]);
    let e = tree.unwrap_err().to_string();
    assert!(e.contains("not listed in RECORD"), "{e}");

    let escaping = wheel("demo", &[("../evil.py", b"", 0o644)], None);
    let (d, tree) = install_all(&[("demo-1.0-py3-none-any.whl", escaping)]);
    let e = tree.unwrap_err().to_string();
    assert!(e.contains("../evil.py") && e.contains("`..`"), "{e}");
    assert!(!d.path().join("evil.py").exists());

    let a = wheel("a", &[("shared/x.py", b"1", 0o644)], None);
    let b = wheel("b", &[("shared/x.py", b"2", 0o644)], None);
    let (_d, tree) = install_all(&[("a-1.0-py3-none-any.whl", a), ("b-1.0-py3-none-any.whl", b)]);
    let e = tree.unwrap_err().to_string();
    assert!(e.contains("shared/x.py: installed by both"), "{e}");
}

#[test]
fn bytecode_is_compiled_by_the_interpreter_once_and_then_reused() {
    let w = wheel(
        "demo",
        &[
            ("demo/__init__.py", b"X = 1\n", 0o644),
            ("demo/broken.py", b"def (:\n", 0o644),
        ],
        None,
    );
    let store = tempfile::tempdir().unwrap();
    let target = crate::runtime::Target::describe(Path::new("python3")).unwrap();
    let compiler = target.compiler(Some(store.path().to_path_buf())).unwrap();
    let (_d, tree) = install_all(&[("demo-1.0-py3-none-any.whl", w.clone())]);
    let mut tree = tree.unwrap();
    let n = compile(&mut tree, &compiler, PycPlacement::Legacy).unwrap();
    assert_eq!(n, 1, "the module that does not compile stays source-only");
    assert!(tree
        .files
        .iter()
        .any(|f| f.path == "site-packages/demo/__init__.pyc"));
    let pyc = std::fs::read(tree.root.join("site-packages/demo/__init__.pyc")).unwrap();
    // PEP 552 flags: 0b01 = hash-based, check_source off.
    assert_eq!(u32::from_le_bytes(pyc[4..8].try_into().unwrap()), 1);

    // A second tree takes the same bytes from the store, without the
    // interpreter: a compiler that cannot run proves it.
    let stored: Vec<_> = std::fs::read_dir(store.path()).unwrap().collect();
    assert_eq!(stored.len(), 2, "one .pyc and one known failure");
    let w3 = w.clone();
    let (_d2, again) = install_all(&[("demo-1.0-py3-none-any.whl", w)]);
    let mut again = again.unwrap();
    let offline = Compiler {
        python: "/nonexistent/python".into(),
        ..compiler
    };
    assert_eq!(
        compile(&mut again, &offline, PycPlacement::Cache).unwrap(),
        1
    );
    let tag = target.cache_tag.unwrap();
    let cached = again
        .root
        .join(format!("site-packages/demo/__pycache__/__init__.{tag}.pyc"));
    assert_eq!(std::fs::read(cached).unwrap(), pyc);

    // A store entry torn by a crash (shorter than a .pyc header) is
    // compiled again and rewritten.
    let entry = std::fs::read_dir(store.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pyc"))
        .unwrap();
    std::fs::write(&entry, b"").unwrap();
    let (_d3, third) = install_all(&[("demo-1.0-py3-none-any.whl", w3)]);
    let mut third = third.unwrap();
    let python = crate::runtime::Target::describe(Path::new("python3")).unwrap();
    let compiler = python.compiler(Some(store.path().to_path_buf())).unwrap();
    assert_eq!(
        compile(&mut third, &compiler, PycPlacement::Legacy).unwrap(),
        1
    );
    assert_eq!(std::fs::read(&entry).unwrap(), pyc);
}

/// `bytes` with every occurrence of `from` replaced by `to` (same length):
/// renames a member in its local and central headers alike.
fn patched(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + from.len() <= out.len() {
        if out[i..].starts_with(from) {
            out[i..i + to.len()].copy_from_slice(to);
            i += to.len();
        } else {
            i += 1;
        }
    }
    out
}

/// The central directory record of `member` and the end record's offset.
fn central_of(bytes: &[u8], member: &str) -> (usize, usize) {
    let at = (0..bytes.len() - 46)
        .find(|&i| {
            bytes[i..].starts_with(b"PK\x01\x02") && bytes[i + 46..].starts_with(member.as_bytes())
        })
        .expect("central record");
    let eocd = (0..=bytes.len() - 22)
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))
        .expect("end record");
    (at, eocd)
}

/// A second central directory entry named `alias` for `member`'s data: the
/// overlapping-entries zip bomb, in which entries share compressed bytes.
fn with_alias(bytes: &[u8], member: &str, alias: &str) -> Vec<u8> {
    assert_eq!(member.len(), alias.len());
    let (at, eocd) = central_of(bytes, member);
    let len = 46 + member.len();
    let mut record = bytes[at..at + len].to_vec();
    assert_eq!(
        u16::from_le_bytes([bytes[at + 30], bytes[at + 31]]),
        0,
        "no extra"
    );
    record[46..].copy_from_slice(alias.as_bytes());
    let mut out = bytes[..eocd].to_vec();
    out.extend_from_slice(&record);
    let mut end = bytes[eocd..].to_vec();
    for field in [8, 10] {
        let n = u16::from_le_bytes([end[field], end[field + 1]]) + 1;
        end[field..field + 2].copy_from_slice(&n.to_le_bytes());
    }
    let size = u32::from_le_bytes(end[12..16].try_into().unwrap()) + len as u32;
    end[12..16].copy_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&end);
    out
}

fn refused(file: &str, bytes: Vec<u8>) -> String {
    let (d, tree) = install_all(&[(file, bytes)]);
    let e = tree.unwrap_err().to_string();
    assert!(
        !d.path().join("tree").exists(),
        "a failed install leaves nothing: {e}"
    );
    e
}

#[test]
fn overlapping_entries_are_refused_before_anything_is_inflated() {
    let zeros = vec![0u8; 1 << 20];
    let w = wheel(
        "bomb",
        &[("bomb/a.bin", &zeros, 0o644), ("bomb/b.bin", &zeros, 0o644)],
        None,
    );
    // The alias is listed in RECORD under its own name: only the structure
    // gives it away.
    let w = with_alias(&w, "bomb/a.bin", "bomb/c.bin");
    let e = refused("bomb-1.0-py3-none-any.whl", w);
    assert!(e.contains("bomb-1.0-py3-none-any.whl: bomb/"), "{e}");
    assert!(
        e.contains("A008 bomb/a.bin") && e.contains("A008 bomb/c.bin"),
        "{e}"
    );
    assert!(e.contains("refused before anything was inflated"), "{e}");
}

#[test]
fn duplicate_names_are_refused_naming_the_member() {
    let w = wheel(
        "dup",
        &[
            ("dup/a.py", b"A = 1\n", 0o644),
            ("dup/b.py", b"B = 2\n", 0o644),
        ],
        None,
    );
    let w = patched(&w, b"dup/b.py", b"dup/a.py");
    let e = refused("dup-1.0-py3-none-any.whl", w);
    assert!(
        e.contains(
            "dup-1.0-py3-none-any.whl: dup/a.py: the archive holds this name more than once"
        ),
        "{e}"
    );
    assert!(e.contains("(A002)"), "{e}");
}

#[test]
fn a_member_inflating_past_its_declared_size_stops_there() {
    let big = vec![7u8; 4 << 20];
    let w = wheel("liar", &[("liar/big.bin", &big, 0o644)], None);
    let (at, _) = central_of(&w, "liar/big.bin");
    let mut w = w;
    // APPNOTE § 4.3.12: the uncompressed size is at offset 24.
    w[at + 24..at + 28].copy_from_slice(&1u32.to_le_bytes());
    let e = refused("liar-1.0-py3-none-any.whl", w);
    assert!(
        e.contains(
            "liar-1.0-py3-none-any.whl: liar/big.bin: content is longer than the declared 1 bytes"
        ),
        "{e}"
    );
}

#[test]
fn a_large_member_streams_from_the_wheel_file_to_disk() {
    // 80 MiB of a repeating pattern, written to the wheel in chunks.
    let chunk: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let count = 80;
    let mut sha = Sha256::new();
    for _ in 0..count {
        sha.update(&chunk);
    }
    let digest: [u8; 32] = sha.finalize().into();
    let size = chunk.len() as u64 * count;
    let info = "big-1.0.dist-info";
    let meta = b"Metadata-Version: 2.1\nName: big\nVersion: 1.0\n".to_vec();
    let wheel_txt = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec();
    let rows = vec![
        ("big/data.bin".to_string(), digest, size),
        (
            format!("{info}/METADATA"),
            Sha256::digest(&meta).into(),
            meta.len() as u64,
        ),
        (
            format!("{info}/WHEEL"),
            Sha256::digest(&wheel_txt).into(),
            wheel_txt.len() as u64,
        ),
    ];
    let record = crate::record::render(&rows, &format!("{info}/RECORD"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big-1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("big/data.bin", opts).unwrap();
    for _ in 0..count {
        zip.write_all(&chunk).unwrap();
    }
    for (name, text) in [
        ("METADATA", &meta),
        ("WHEEL", &wheel_txt),
        ("RECORD", &record.into_bytes()),
    ] {
        zip.start_file(format!("{info}/{name}"), opts).unwrap();
        zip.write_all(text).unwrap();
    }
    zip.finish().unwrap();
    let inputs = [WheelInput {
        file_name: "big-1.0-py3-none-any.whl",
        data: WheelData::File(&path),
    }];
    let root = dir.path().join("tree");
    let layout = Layout::standard("/opt/py/bin/python3");
    let tree = install(&inputs, &root, &layout, &Silent).unwrap();
    let file = tree
        .files
        .iter()
        .find(|f| f.path == "site-packages/big/data.bin")
        .unwrap();
    assert_eq!((file.size, file.sha256), (size, digest));
    let on_disk = std::fs::metadata(root.join(&file.path)).unwrap().len();
    assert_eq!(on_disk, size);
    let staged: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".staged-"))
        .collect();
    assert!(staged.is_empty(), "no staged leftovers: {staged:?}");
}
