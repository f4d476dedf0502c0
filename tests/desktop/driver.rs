//! Starting the studio under WebKitWebDriver and reading what it shows.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Studio {
    pub client: Client,
    driver: Child,
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
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the desktop tests need an X display: run them under `xvfb-run -a` (./scripts/test does)"
        );
        let port = free_port();
        let mut cmd = Command::new("WebKitWebDriver");
        cmd.arg(format!("--port={port}"))
            .arg("--host=127.0.0.1")
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
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
        Studio { client, driver }
    }

    /// Wait until the element's text contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
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
        panic!("`{css}` never showed `{needle}` (last: `{last}`)");
    }

    pub async fn cells(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self.client.find_all(Locator::Css(css)).await.expect("find") {
            out.push(el.text().await.expect("text"));
        }
        out
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
