//! The frozen executable's format, shared by the engine (which writes it)
//! and the launcher (which reads it). No Linux-only assumption lives here:
//! the same layout serves Windows and macOS launchers later.
//!
//! A frozen executable is `launcher ‖ payload`, where the payload is a zip
//! archive (APPNOTE 6.3) whose offsets count from the start of the file and
//! whose end-of-central-directory comment is the [`Trailer`]. The file is
//! therefore a valid zip for every zip tool, and the launcher finds its
//! payload by reading the last [`TRAILER_LEN`] bytes of itself.
//!
//! Inside the payload:
//! - [`MANIFEST`]: what to run (`key=value` lines, see [`Manifest`]);
//! - [`RECORD`]: every other file's sha256 and size (the RECORD format of
//!   "Recording installed projects"), checked by `GRADIENT_EXE=verify`;
//! - the runtime and the application tree, by relative path.

/// The trailer's size in bytes: the zip comment holds exactly this.
pub const TRAILER_LEN: usize = 64;
pub const MAGIC: &[u8; 8] = b"GRDNTEXE";
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's path inside the payload.
pub const MANIFEST: &str = ".gradient/manifest";
/// The payload's RECORD: sha256 and size of every other file.
pub const RECORD: &str = ".gradient/RECORD";
/// Written last into an extracted tree: its presence means "complete".
pub const COMPLETE: &str = ".gradient/complete";
/// The environment variable for launcher actions (`cache-dir`, `verify`,
/// `prune`, `extract`), read only by the launcher: the application's own
/// arguments are never looked at.
pub const ACTION_ENV: &str = "GRADIENT_EXE";

/// The end of a frozen executable (little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    pub version: u32,
    /// Where the payload (the zip's first local header) starts.
    pub payload_offset: u64,
    /// Bytes from `payload_offset` to the end of the file.
    pub payload_size: u64,
    /// sha256 of what decides the payload's content: names the cache entry.
    pub key: [u8; 32],
}

impl Trailer {
    pub fn encode(&self) -> [u8; TRAILER_LEN] {
        let mut out = [0u8; TRAILER_LEN];
        out[0..8].copy_from_slice(MAGIC);
        out[8..12].copy_from_slice(&self.version.to_le_bytes());
        out[16..24].copy_from_slice(&self.payload_offset.to_le_bytes());
        out[24..32].copy_from_slice(&self.payload_size.to_le_bytes());
        out[32..64].copy_from_slice(&self.key);
        out
    }

    /// Decode the last [`TRAILER_LEN`] bytes of a file of `file_len` bytes.
    pub fn decode(bytes: &[u8], file_len: u64) -> Result<Trailer, String> {
        if bytes.len() != TRAILER_LEN || &bytes[0..8] != MAGIC {
            return Err("no Gradient trailer at the end of the file".into());
        }
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let t = Trailer {
            version: u32_at(8),
            payload_offset: u64_at(16),
            payload_size: u64_at(24),
            key: bytes[32..64].try_into().map_err(|_| "short key")?,
        };
        if t.version != FORMAT_VERSION {
            return Err(format!(
                "payload format {} is not supported by this launcher (format {FORMAT_VERSION})",
                t.version
            ));
        }
        if t.payload_offset.checked_add(t.payload_size) != Some(file_len) {
            return Err(format!(
                "the trailer says the payload spans {}+{} bytes, but the file has {file_len}",
                t.payload_offset, t.payload_size
            ));
        }
        Ok(t)
    }

    pub fn key_hex(&self) -> String {
        self.key.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What to run, from [`MANIFEST`]: `key=value` lines; `arg` and
/// `library-path` repeat, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `name-version`: the cache directory's prefix, so `prune` finds the
    /// other versions of the same application.
    pub app: String,
    /// The interpreter, relative to the extracted tree.
    pub program: String,
    /// Arguments before the user's; `{root}` becomes the extracted tree.
    pub args: Vec<String>,
    /// Directories (relative) the dynamic loader must search.
    pub library_path: Vec<String>,
}

impl Manifest {
    pub fn render(&self) -> String {
        let mut out = format!(
            "format={FORMAT_VERSION}\napp={}\nprogram={}\n",
            self.app, self.program
        );
        for a in &self.args {
            out.push_str(&format!("arg={a}\n"));
        }
        for l in &self.library_path {
            out.push_str(&format!("library-path={l}\n"));
        }
        out
    }

    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| format!("manifest line `{line}` is not key=value"))?;
            match k {
                "format" if v != FORMAT_VERSION.to_string() => {
                    return Err(format!("manifest format {v} is not supported"))
                }
                "format" => {}
                "app" => m.app = v.to_string(),
                "program" => m.program = v.to_string(),
                "arg" => m.args.push(v.to_string()),
                "library-path" => m.library_path.push(v.to_string()),
                _ => {}
            }
        }
        if m.program.is_empty() || m.app.is_empty() {
            return Err("the manifest names no program or app".into());
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailer_round_trip_and_checks() {
        let t = Trailer {
            version: FORMAT_VERSION,
            payload_offset: 1000,
            payload_size: 500,
            key: [7; 32],
        };
        let bytes = t.encode();
        assert_eq!(Trailer::decode(&bytes, 1500).unwrap(), t);
        assert!(Trailer::decode(&bytes, 1501).unwrap_err().contains("spans"));
        let mut bad = bytes;
        bad[8] = 9;
        assert!(Trailer::decode(&bad, 1500)
            .unwrap_err()
            .contains("format 9"));
        assert!(Trailer::decode(&[0; TRAILER_LEN], 1500).is_err());
        assert!(Trailer::decode(&bytes[1..], 1500).is_err());
    }

    #[test]
    fn manifest_round_trip() {
        let m = Manifest {
            app: "greet-1.2.0".into(),
            program: "python/bin/python3.11".into(),
            args: vec!["-I".into(), "{root}/.gradient/boot.py".into()],
            library_path: vec!["lib".into()],
        };
        assert_eq!(Manifest::parse(&m.render()).unwrap(), m);
        assert!(Manifest::parse("format=2\n").is_err());
        assert!(Manifest::parse("nonsense\n").is_err());
    }
}
