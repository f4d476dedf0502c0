//! Figures for the closing note and the README, not tests: cold start to
//! first paint, preview latency after a save on a 10,000-file project, and
//! memory (RSS) idle and during a build. Ignored by default; `bench/run
//! studio` runs them (release build) and prints the figures.

use crate::driver::Studio;
use fantoccini::Locator;
use std::path::Path;
use std::time::{Duration, Instant};

const FILES: usize = 10_000;

/// A project with `FILES` modules in 100 subpackages, ~1 KiB each.
fn big_project(root: &Path) {
    std::fs::write(
        root.join("pyproject.toml"),
        "[project]\nname = \"big\"\nversion = \"1.0\"\n",
    )
    .expect("write");
    let body = "def f(x):\n    return x * 2\n".repeat(36);
    for p in 0..FILES / 100 {
        let dir = root.join(format!("src/big/sub{p:03}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for m in 0..100 {
            let name = if m == 0 {
                "__init__.py".to_string()
            } else {
                format!("mod{m:03}.py")
            };
            std::fs::write(dir.join(name), &body).expect("write");
        }
    }
    std::fs::write(root.join("src/big/__init__.py"), "").expect("write");
}

/// Resident memory, in KiB, of the processes in `group` whose command name
/// starts with `prefix`.
fn rss_kib(group: u32, prefix: &str) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let comm = head.split_once(" (").map(|(_, c)| c).unwrap_or("");
        let pgrp: u32 = rest
            .split(' ')
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if pgrp != group || !comm.starts_with(prefix) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        total += status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: run by bench/run studio"]
async fn measure_start_preview_latency_and_memory() {
    // Cold start: from asking the driver for a session (which starts the
    // app) to the first paint of the example project's preview.
    let mut starts = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let studio = Studio::launch(&[]).await;
        studio
            .wait_text("#artifact-name", "gradient_example-0.1.0-py3-none-any.whl")
            .await;
        let _ = studio
            .client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                vec![],
            )
            .await;
        starts.push(t0.elapsed().as_secs_f64());
        studio.close().await;
    }
    println!(
        "cold start to first paint (median of 5): {:.0} ms",
        median(starts) * 1000.0
    );

    let work = tempfile::tempdir().expect("tempdir");
    big_project(work.path());
    let studio = Studio::launch(&[work.path().to_str().expect("utf-8")]).await;
    studio
        .wait_text("#artifact-name", "big-1.0-py3-none-any.whl")
        .await;
    studio.wait_text("#totals", "files").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let group = studio.group();
    println!(
        "idle RSS on a {FILES}-file project: app {} MiB, app + WebKit processes {} MiB",
        rss_kib(group, "gradient-studio") / 1024,
        (rss_kib(group, "gradient-studio") + rss_kib(group, "WebKit")) / 1024
    );

    // Preview latency: save a file, wait until its row shows as changed.
    let mut latencies = Vec::new();
    for i in 0..7 {
        let module = work.path().join(format!("src/big/sub{i:03}/mod001.py"));
        let path = format!("big/sub{i:03}/mod001.py");
        let text = std::fs::read_to_string(&module).expect("read") + "# edited\n";
        let t0 = Instant::now();
        std::fs::write(&module, text).expect("write");
        loop {
            let found = studio
                .client
                .execute(
                    "return [...document.querySelectorAll('#entries tr.changed td.path')].some(td => td.textContent === arguments[0]);",
                    vec![serde_json::json!(path)],
                )
                .await
                .expect("script");
            if found == serde_json::json!(true) {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{path} never marked"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        latencies.push(t0.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    println!(
        "save to updated preview on {FILES} files (median of 7, includes the 120 ms debounce): {:.0} ms (min {:.0}, max {:.0})",
        median(latencies.clone()) * 1000.0,
        latencies.iter().cloned().fold(f64::MAX, f64::min) * 1000.0,
        latencies.iter().cloned().fold(0.0, f64::max) * 1000.0
    );

    // Memory during a build of the sdist of the same project.
    studio.click("button[data-format='sdist']").await;
    studio.wait_text("#artifact-name", "big-1.0.tar.gz").await;
    studio.click("#build").await;
    let mut peak_app = 0;
    let mut peak_all = 0;
    let t0 = Instant::now();
    loop {
        let app = rss_kib(group, "gradient-studio");
        peak_app = peak_app.max(app);
        peak_all = peak_all.max(app + rss_kib(group, "WebKit"));
        let done = studio
            .client
            .find(Locator::Css("#result"))
            .await
            .expect("result")
            .is_displayed()
            .await
            .unwrap_or(false);
        if done {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "build never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "peak RSS while building the sdist of {FILES} files: app {} MiB, app + WebKit processes {} MiB (build took {:.1} s in the window)",
        peak_app / 1024,
        peak_all / 1024,
        t0.elapsed().as_secs_f64()
    );
    studio.close().await;
}
