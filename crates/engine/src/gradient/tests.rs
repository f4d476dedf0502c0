use super::*;

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn recommend(pairs: &[(&str, &str)]) -> String {
    let tree = tree().expect("tree loads");
    match walk(tree, &answers(pairs), &BTreeMap::new(), false).expect("valid answers") {
        Outcome::Recommendation { recommendation, .. } => recommendation.recommendation.id,
        Outcome::NextQuestion { question, .. } => {
            panic!("still asking `{}` for {pairs:?}", question.id)
        }
    }
}

#[test]
fn tree_is_sound() {
    let tree = tree().expect("tree loads");
    assert_eq!(tree.problems(), Vec::<String>::new());
    // The checker does catch what it claims to.
    let mut broken = tree.clone();
    broken.questions[0].options[0].next = "nowhere".into();
    broken.recommendations.push(Recommendation {
        id: "orphan".into(),
        ..tree.recommendations[0].clone()
    });
    let problems = broken.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown question `nowhere`")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("recommendation `orphan` is unreachable")),
        "{problems:?}"
    );
    let mut cyclic = tree.clone();
    let last = cyclic.questions.len() - 1;
    cyclic.questions[last].options[0].next = tree.start.clone();
    assert!(cyclic.problems().iter().any(|p| p.starts_with("cycle:")));
}

#[test]
fn every_path_ends_in_a_recommendation() {
    let tree = tree().expect("tree loads");
    // Enumerate every combination of answers along every path.
    fn all(tree: &Tree, id: &str, taken: &mut Vec<(String, String)>, ends: &mut usize) {
        let q = tree.question(id).expect("question exists");
        for o in &q.options {
            taken.push((q.id.clone(), o.value.clone()));
            match o.next() {
                Next::Question(next) => all(tree, next, taken, ends),
                Next::Recommendation(_) => {
                    let pairs: BTreeMap<String, String> = taken.iter().cloned().collect();
                    let outcome = walk(tree, &pairs, &BTreeMap::new(), false).expect("walk");
                    assert!(
                        matches!(outcome, Outcome::Recommendation { .. }),
                        "{pairs:?}"
                    );
                    *ends += 1;
                }
            }
            taken.pop();
        }
    }
    let mut ends = 0;
    all(tree, &tree.start, &mut Vec::new(), &mut ends);
    assert!(ends >= tree.recommendations.len());
}

#[test]
fn scenarios() {
    type Scenario<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let table: &[Scenario] = &[
        (
            "a stdlib-only helper module",
            &[("audience", "library"), ("library_shape", "single_module")],
            "module",
        ),
        (
            "a pure library",
            &[
                ("audience", "library"),
                ("library_shape", "package"),
                ("compiled", "pure"),
            ],
            "sdist",
        ),
        (
            "a library with C extensions",
            &[
                ("audience", "library"),
                ("library_shape", "package"),
                ("compiled", "compiled"),
                ("library_env", "pip"),
            ],
            "wheel",
        ),
        (
            "a CLI tool for Python developers",
            &[
                ("audience", "application"),
                ("app_target", "python_users"),
                ("python_on_target", "yes"),
            ],
            "zipapp",
        ),
        (
            "a desktop tool for people without Python",
            &[
                ("audience", "application"),
                ("app_target", "desktop"),
                ("desktop_delivery", "single_file"),
            ],
            "exe",
        ),
        (
            "a web service on Debian servers",
            &[
                ("audience", "application"),
                ("app_target", "server"),
                ("server_os", "managed"),
                ("isolation", "no"),
            ],
            "deb",
        ),
        (
            "a service deployed to Kubernetes",
            &[
                ("audience", "application"),
                ("app_target", "server"),
                ("server_os", "container_platform"),
            ],
            "oci",
        ),
        (
            "a kiosk device",
            &[
                ("audience", "application"),
                ("app_target", "device"),
                ("kernel", "hardware"),
            ],
            "appliance",
        ),
    ];
    for (scenario, pairs, expected) in table {
        assert_eq!(recommend(pairs), *expected, "{scenario}");
    }
}

#[test]
fn recommendations_carry_layers_and_buildability() {
    let tree = tree().expect("tree loads");
    let outcome = walk(
        tree,
        &answers(&[
            ("audience", "application"),
            ("app_target", "server"),
            ("server_os", "varied"),
        ]),
        &BTreeMap::new(),
        false,
    )
    .expect("walk");
    let Outcome::Recommendation {
        recommendation,
        path,
    } = outcome
    else {
        panic!("expected a recommendation")
    };
    assert_eq!(recommendation.recommendation.format, Some(Format::Oci));
    assert!(recommendation.built_by_gradient);
    assert!(
        recommendation.not_yet.is_none(),
        "OCI images are built: {:?}",
        recommendation.not_yet
    );
    assert_eq!(recommendation.assumes, vec!["kernel", "hardware"]);
    assert_eq!(path.len(), 3);
    for r in &tree.recommendations {
        assert!(
            r.format.is_some() || r.how_to.is_some(),
            "`{}` must be built or explained",
            r.id
        );
    }
}

#[test]
fn unknown_answers_and_next_question() {
    let tree = tree().expect("tree loads");
    let err = walk(
        tree,
        &answers(&[("colour", "red")]),
        &BTreeMap::new(),
        false,
    )
    .expect_err("unknown key");
    assert!(
        err.to_string().contains("valid: audience, library_shape"),
        "{err}"
    );
    let err = walk(
        tree,
        &answers(&[("audience", "robots")]),
        &BTreeMap::new(),
        false,
    )
    .expect_err("unknown value");
    assert_eq!(
        err.to_string(),
        "`robots` is not an answer to `audience`; valid: library, application"
    );
    let outcome = walk(
        tree,
        &answers(&[("audience", "library")]),
        &BTreeMap::new(),
        false,
    )
    .expect("walk");
    let Outcome::NextQuestion { question, path, .. } = outcome else {
        panic!("expected a question")
    };
    assert_eq!(question.id, "library_shape");
    assert_eq!(path[0].source, "answer");
}

fn project_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let project = Project::load(dir.path()).expect("valid project");
    (dir, project)
}

#[test]
fn prefill_from_projects() {
    let (_d, p) = project_with(&[
        (
            "pyproject.toml",
            "[project]\nname = \"fast\"\nversion = \"1\"\n",
        ),
        ("src/fast/__init__.py", ""),
        ("src/fast/_speedups.c", "int x;"),
    ]);
    let filled = prefill(&facts(&p).expect("facts"));
    assert_eq!(filled["compiled"].value, "compiled");
    assert!(filled["compiled"].source.contains("src/fast/_speedups.c"));
    assert_eq!(filled["audience"].value, "library");
    assert_eq!(filled["library_shape"].value, "package");

    let (_d, p) = project_with(&[
        ("pyproject.toml", "[project]\nname = \"tool\"\nversion = \"1\"\n[project.scripts]\ntool = \"tool:main\"\n"),
        ("tool.py", "def main(): pass\n"),
    ]);
    let filled = prefill(&facts(&p).expect("facts"));
    assert_eq!(filled["audience"].value, "application");
    assert!(filled["audience"].source.contains("`tool`"));
    assert_eq!(filled["compiled"].value, "pure");
    assert_eq!(filled["library_shape"].value, "single_module");
    assert!(filled["library_shape"].source.contains("`tool.py`"));

    // Pre-filled answers are used when asked to, and explicit ones win.
    let tree = tree().expect("tree");
    let outcome = walk(
        tree,
        &answers(&[("app_target", "python_users")]),
        &filled,
        true,
    )
    .expect("walk");
    let Outcome::NextQuestion { question, path, .. } = outcome else {
        panic!("expected a question")
    };
    assert_eq!(question.id, "python_on_target");
    assert!(path[0].source.contains("[project.scripts]"));
    let outcome = walk(
        tree,
        &answers(&[("audience", "library"), ("library_shape", "package")]),
        &filled,
        true,
    )
    .expect("walk");
    assert!(
        matches!(outcome, Outcome::Recommendation { ref recommendation, .. } if recommendation.recommendation.id == "sdist")
    );

    let (_d, p) = project_with(&[
        ("pyproject.toml", "[build-system]\nrequires = [\"maturin\"]\nbuild-backend = \"maturin\"\n[project]\nname = \"rs\"\nversion = \"1\"\n"),
        ("rs.py", ""),
    ]);
    assert!(facts(&p)
        .expect("facts")
        .compiled
        .expect("compiled")
        .contains("maturin"));
}

#[test]
fn rendered_tree_names_every_recommendation() {
    let tree = tree().expect("tree");
    let text = render_tree(tree);
    for r in &tree.recommendations {
        assert!(text.contains(&r.title), "{}", r.title);
    }
    assert!(text.starts_with("Who consumes what you ship?\n"));
}
