//! `gradient recommend` without a terminal: answers on the command line,
//! JSON out, usage errors with exit 2.

use crate::support::*;
use serde_json::Value;

fn recommend(args: &[&str]) -> (Option<i32>, Value, String) {
    let out = run(gradient().arg("recommend").args(args));
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, stderr(&out))
}

#[test]
fn answers_lead_to_a_recommendation() {
    let (code, json, _) = recommend(&[
        "--json",
        "-a",
        "audience=application",
        "-a",
        "app_target=server",
        "-a",
        "server_os=managed",
        "-a",
        "isolation=no",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(json["outcome"], "recommendation");
    assert_eq!(json["recommendation"]["id"], "deb");
    assert_eq!(json["recommendation"]["format"], "deb");
    assert!(json["recommendation"]["assumes"]
        .as_array()
        .expect("assumes")
        .iter()
        .any(|l| l == "system libraries"));
    assert_eq!(json["path"].as_array().expect("path").len(), 4);
}

#[test]
fn missing_answers_report_the_next_question() {
    let (code, json, _) = recommend(&["--json", "-a", "audience=library"]);
    assert_eq!(code, Some(0));
    assert_eq!(json["outcome"], "next_question");
    assert_eq!(json["question"]["id"], "library_shape");
    assert!(json["question"]["explain"].as_str().expect("explain").len() > 100);
}

#[test]
fn unknown_keys_and_values_are_usage_errors() {
    let (code, _, err) = recommend(&["--json", "-a", "colour=red"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown question `colour`; valid: audience, library_shape"),
        "{err}"
    );
    let (code, _, err) = recommend(&["--json", "-a", "audience=robots"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("valid: library, application"), "{err}");
    let (code, _, _) = recommend(&["--json", "-a", "audience"]);
    assert_eq!(code, Some(2));
}

#[test]
fn project_prefills_answers_with_their_source() {
    let (_tmp, project) = fixture("single");
    let (code, json, err) = recommend(&[
        project.to_str().expect("utf-8"),
        "--json",
        "-a",
        "app_target=python_users",
        "-a",
        "python_on_target=yes",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(json["recommendation"]["id"], "zipapp");
    assert_eq!(json["path"][0]["question"], "audience");
    assert_eq!(json["path"][0]["value"], "application");
    assert!(json["path"][0]["source"]
        .as_str()
        .expect("source")
        .contains("`tinymod`"));
}

#[test]
fn tree_is_printed_and_the_readme_shows_it() {
    let (code, json, _) = recommend(&["--tree", "--json"]);
    assert_eq!(code, Some(0));
    assert!(json["question"].as_array().expect("questions").len() >= 8);
    let out = run(gradient().args(["recommend", "--tree"]));
    let text = stdout(&out);
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    assert!(
        readme.contains(&text),
        "README.md's gradient section is out of date: paste `gradient recommend --tree` into it"
    );
}
