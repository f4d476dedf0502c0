//! Calling one PEP 517 hook (§ "Build backend interface"): each call runs
//! `hook_runner.py` in a fresh interpreter of the build environment, with
//! the source tree as working directory, stdin closed, the environment's
//! `bin` first on PATH, and the request and answer passed as JSON files.
//! The backend's output (stdout and stderr, one pipe, so in the order it
//! was written) is streamed line by line to [`Progress::log`], decoded
//! leniently: PEP 517 says a frontend must not fail on non-UTF-8 output.

use super::env::Env;
use crate::progress::Progress;
use crate::{Error, Result};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const RUNNER: &str = include_str!("hook_runner.py");
/// How many of the backend's last lines a failure quotes.
const TAIL: usize = 40;

/// A hook's answer.
#[derive(Debug)]
pub enum Answer {
    Value(serde_json::Value),
    /// The backend raised its `UnsupportedOperation` (only `build_sdist`
    /// may, PEP 517 § "build_sdist").
    Unsupported(String),
}

/// What a hook call is: the backend and the tree it runs in.
pub struct Caller<'a> {
    pub backend: &'a str,
    pub backend_path: &'a [std::path::PathBuf],
    pub tree: &'a Path,
    pub progress: &'a dyn Progress,
}

/// A hook that failed: the message quotes the backend's own last lines.
#[derive(Debug)]
pub struct Failed(pub String);

impl Caller<'_> {
    /// Run `hook(**kwargs)` in `env`; `scratch` holds the exchange files.
    pub fn call(
        &self,
        env: &Env,
        hook: &str,
        kwargs: serde_json::Value,
        scratch: &Path,
    ) -> Result<std::result::Result<Answer, Failed>> {
        let control = tempfile::Builder::new()
            .prefix("hook-")
            .tempdir_in(scratch)
            .map_err(|e| Error::io(scratch, e))?;
        let runner = control.path().join("hook_runner.py");
        std::fs::write(&runner, RUNNER).map_err(|e| Error::io(&runner, e))?;
        let input = serde_json::json!({
            "backend": self.backend,
            "backend_path": self.backend_path,
            "kwargs": kwargs,
        });
        let input_path = control.path().join("input.json");
        std::fs::write(&input_path, input.to_string()).map_err(|e| Error::io(&input_path, e))?;
        self.progress.log(&format!("{}: {hook}", self.backend));
        let (status, tail) = self.run(env, &runner, hook, control.path())?;
        let output = control.path().join("output.json");
        let answer: serde_json::Value = match std::fs::read(&output) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| Error::io(&output, e.into()))?
            }
            Err(_) => {
                return Ok(Err(Failed(format!(
                    "`{hook}` of {} failed ({status}, no answer); the backend said:\n{tail}",
                    self.backend
                ))))
            }
        };
        Ok(interpret(self.backend, hook, answer, &tail))
    }

    /// Run the hook process, streaming its output; the status and the last
    /// lines it printed.
    fn run(
        &self,
        env: &Env,
        runner: &Path,
        hook: &str,
        control: &Path,
    ) -> Result<(std::process::ExitStatus, String)> {
        let (reader, writer) = std::io::pipe().map_err(|e| Error::io(control, e))?;
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![env.bin()];
        dirs.extend(std::env::split_paths(&path));
        let mut child = {
            let mut cmd = Command::new(&env.python);
            cmd.arg(runner)
                .arg(hook)
                .arg(control)
                .current_dir(self.tree)
                .stdin(Stdio::null())
                .stdout(writer.try_clone().map_err(|e| Error::io(control, e))?)
                .stderr(writer)
                .env("PATH", std::env::join_paths(dirs).unwrap_or(path))
                .env("VIRTUAL_ENV", &env.root)
                .env("PYTHONUNBUFFERED", "1")
                .env_remove("PYTHONPATH")
                .env_remove("PYTHONHOME");
            // Its own process group: a cancelled build stops the backend
            // and every compiler it started, not just the interpreter.
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            cmd.spawn().map_err(|e| Error::io(&env.python, e))?
            // `cmd` and its copies of the pipe's writing end drop here, so
            // the reader sees the end once the hook process exits.
        };
        let (lines, received) = std::sync::mpsc::channel::<std::io::Result<Vec<u8>>>();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).split(b'\n') {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL);
        loop {
            if self.progress.cancelled() {
                stop(&mut child);
                return Err(Error::Cancelled);
            }
            let line = match received.recv_timeout(std::time::Duration::from_millis(100)) {
                Ok(line) => line.map_err(|e| Error::io(control, e))?,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches('\r');
            self.progress.log(text);
            if tail.len() == TAIL {
                tail.pop_front();
            }
            tail.push_back(text.to_string());
        }
        let status = child.wait().map_err(|e| Error::io(&env.python, e))?;
        Ok((status, Vec::from(tail).join("\n")))
    }
}

/// Stop a hook's process group: SIGTERM, then SIGKILL for what is still
/// running after two seconds; the hook process is reaped.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let group = -(child.id() as libc::pid_t);
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (made by `process_group(0)` at spawn); no memory is
        // involved.
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // SAFETY: as above; what ignored SIGTERM is killed.
        unsafe { libc::kill(group, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn interpret(
    backend: &str,
    hook: &str,
    answer: serde_json::Value,
    tail: &str,
) -> std::result::Result<Answer, Failed> {
    let text = |key: &str| answer.get(key).and_then(|v| v.as_str()).map(str::to_string);
    if let Some(value) = answer.get("return") {
        return Ok(Answer::Value(value.clone()));
    }
    if let Some(why) = text("unsupported") {
        return Ok(Answer::Unsupported(why));
    }
    if let Some(trace) = text("backend_unavailable") {
        return Err(Failed(format!(
            "the build backend `{backend}` cannot be imported from the build environment:\n{}",
            trace.trim_end()
        )));
    }
    if let Some(why) = text("backend_invalid") {
        return Err(Failed(format!("the build backend `{backend}`: {why}")));
    }
    let trace = text("error").unwrap_or_default();
    let shown = match tail.is_empty() {
        true => trace.trim_end().to_string(),
        false => tail.to_string(),
    };
    Err(Failed(format!(
        "`{hook}` of {backend} failed; the backend said:\n{shown}"
    )))
}
