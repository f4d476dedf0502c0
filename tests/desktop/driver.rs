//! Starting the studio under WebKitWebDriver and reading what it shows.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Studio {
    pub client: Client,
    driver: Child,
    /// The app's config directory (recent projects): fresh for each launch.
    _config: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

impl Studio {
    /// Start WebKitWebDriver in its own process group, then a session that
    /// launches the studio binary with `args`.
    pub async fn launch(args: &[&str]) -> Studio {
        Self::launch_with(args, &[]).await
    }

    /// Launch with extra environment for the app (e.g. a GTK theme).
    pub async fn launch_with(args: &[&str], env: &[(&str, &str)]) -> Studio {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the desktop tests need an X display: run them under `xvfb-run -a` (./scripts/test does)"
        );
        let port = free_port();
        let config = tempfile::tempdir().expect("config dir");
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("XDG_CONFIG_HOME", config.path())
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let driver = cmd
            .spawn()
            .expect("WebKitWebDriver starts (apt-get install webkit2gtk-driver)");
        let caps = serde_json::json!({
            "webkitgtk:browserOptions": {
                "binary": env!("CARGO_BIN_EXE_gradient-studio"),
                "args": args,
            }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session: {e}"),
            }
        };
        Studio {
            client,
            driver,
            _config: config,
        }
    }

    /// The app's config directory (XDG_CONFIG_HOME) for this launch.
    pub fn config_dir(&self) -> &std::path::Path {
        self._config.path()
    }

    /// The process group of the driver and the app it started.
    pub fn group(&self) -> u32 {
        self.driver.id()
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("`{css}`: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// Whether `css` matches an element that is displayed.
    pub async fn visible(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => el.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Wait until some element matching `css` has text containing `needle`.
    pub async fn wait_any(&self, css: &str, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = Vec::new();
        while Instant::now() < deadline {
            last = self.cells(css).await;
            if last.iter().any(|t| t.contains(needle)) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("timeout").await;
        panic!("no `{css}` showed `{needle}` (saw {last:?})");
    }

    /// Wait until the element's text contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_text_within(css, needle, Duration::from_secs(20))
            .await
    }

    /// [`Studio::wait_text`] for work that may take longer (a build that
    /// first downloads its backend).
    pub async fn wait_text_within(&self, css: &str, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = el.text().await {
                    if text.contains(needle) {
                        return text;
                    }
                    last = text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("timeout").await;
        let status = self.text_of("#build-status").await;
        let error = self.text_of("#error-text").await;
        let log = self.text_of("#log").await;
        let log: Vec<&str> = log
            .lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        panic!(
            "`{css}` never showed `{needle}` (last: `{last}`)\nbuild status: {status}\nerror: {error}\nlog (last lines):\n{}",
            log.join("\n")
        );
    }

    /// The text content of `css` now (shown or not), or nothing when it is
    /// not there.
    async fn text_of(&self, css: &str) -> String {
        let script = "return document.querySelector(arguments[0])?.textContent ?? '';";
        match self.client.execute(script, vec![css.into()]).await {
            Ok(serde_json::Value::String(text)) => text,
            _ => String::new(),
        }
    }

    pub async fn cells(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            // A row replaced while being read is simply read again next time.
            if let Ok(text) = el.text().await {
                out.push(text);
            }
        }
        out
    }

    /// The inspector's facts table as (label, value) pairs.
    pub async fn facts(&self) -> Vec<(String, String)> {
        let labels = self.cells("#report-facts dt").await;
        let values = self.cells("#report-facts dd").await;
        assert_eq!(labels.len(), values.len(), "{labels:?} {values:?}");
        labels.into_iter().zip(values).collect()
    }

    /// Scroll the element with `id` to the top of the view (before a
    /// screenshot of it).
    pub async fn scroll_to(&self, id: &str) {
        let script = "document.getElementById(arguments[0]).scrollIntoView()";
        self.client
            .execute(script, vec![id.into()])
            .await
            .unwrap_or_else(|e| panic!("scroll to #{id}: {e}"));
    }

    pub async fn screenshot(&self, name: &str) {
        // Let the last change paint before capturing: two animation frames,
        // then a pause for the compositor (the first paint can lag the DOM).
        let _ = self
            .client
            .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", vec![])
            .await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(screenshot_dir().join(format!("{name}.png")), png);
        }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        // The driver and the app it started share a process group: end both.
        let group = self.driver.id() as i32;
        unsafe {
            libc::kill(-group, libc::SIGTERM);
        }
        std::thread::sleep(Duration::from_millis(300));
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

/// The value of the fact labelled `label` among the inspector's `facts`.
pub fn fact<'a>(facts: &'a [(String, String)], label: &str) -> &'a str {
    facts
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{label}` fact in {facts:?}"))
}
