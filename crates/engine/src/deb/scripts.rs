//! Maintainer scripts (Policy §6) and the systemd unit. Bytecode follows
//! Debian Python policy (§ "Python Programs"): compiled in postinst with
//! the interpreter the package runs on, removed in prerm. A service is
//! handled in the words dh_installsystemd (debhelper 13) writes: enable on
//! first install, start (restart on upgrade) when systemd runs, stop on
//! remove, mask on remove and forget on purge.

/// What the scripts act on.
pub struct ScriptInput<'a> {
    pub package: &'a str,
    /// The interpreter that compiles bytecode (`/usr/bin/python3`, or the
    /// bundled one).
    pub python: &'a str,
    /// The directory holding the package's Python files.
    pub tree: &'a str,
    /// The unit name (`pkg.service`) and the user to create, for a service.
    pub service: Option<(&'a str, Option<&'a str>)>,
}

const HEAD: &str = "#!/bin/sh\nset -e\n";

/// postinst, prerm and (for a service) postrm, as (name, text).
pub fn render(input: &ScriptInput) -> Vec<(&'static str, String)> {
    let ScriptInput {
        package,
        python,
        tree,
        service,
    } = *input;
    // dpkg runs maintainer scripts with a PATH holding /usr/bin; a command
    // from there is named without its directory (Policy 6.1).
    let python = python.strip_prefix("/usr/bin/").unwrap_or(python);
    let mut postinst = format!("{HEAD}\n# {package}: configure\n");
    if let Some((_, Some(user))) = service {
        postinst.push_str(&format!(
            "if [ \"$1\" = configure ] && ! getent passwd {user} >/dev/null; then\n    # The service's own system user; kept on purge, as Debian does, so\n    # files it owned never pass to a later user with the same id.\n    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin {user}\nfi\n"
        ));
    }
    postinst.push_str(&format!(
        "if [ \"$1\" = configure ]; then\n    # Bytecode is made here by the interpreter that will load it, and\n    # removed by prerm (Debian Python policy).\n    {python} -I -m compileall -q -j 0 {tree} >/dev/null 2>&1 || true\nfi\n"
    ));
    let mut prerm = format!("{HEAD}\n# {package}: before removal or upgrade\n");
    let mut postrm = None;
    if let Some((unit, _)) = service {
        postinst.push_str(&systemd_postinst(unit));
        prerm.push_str(&format!(
            "if [ -d /run/systemd/system ] && [ \"$1\" = remove ]; then\n\tdeb-systemd-invoke stop '{unit}' >/dev/null || true\nfi\n"
        ));
        postrm = Some(systemd_postrm(unit));
    }
    prerm.push_str(&format!(
        "# The bytecode postinst compiled.\nfind {tree} -depth -type d -name __pycache__ -exec rm -rf {{}} + 2>/dev/null || true\n"
    ));
    postinst.push_str("exit 0\n");
    prerm.push_str("exit 0\n");
    let mut scripts = vec![("postinst", postinst), ("prerm", prerm)];
    if let Some(text) = postrm {
        scripts.push(("postrm", format!("{HEAD}\n{text}exit 0\n")));
    }
    scripts
}

fn systemd_postinst(unit: &str) -> String {
    format!(
        r#"if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ] ; then
	# This will only remove masks created by d-s-h on package removal.
	deb-systemd-helper unmask '{unit}' >/dev/null || true
	# was-enabled defaults to true, so new installations run enable.
	if deb-systemd-helper --quiet was-enabled '{unit}'; then
		# Enables the unit on first installation, creates new
		# symlinks on upgrades if the unit file has changed.
		deb-systemd-helper enable '{unit}' >/dev/null || true
	else
		# Update the statefile to add new symlinks (if any), which need to be
		# cleaned up on purge. Also remove old symlinks.
		deb-systemd-helper update-state '{unit}' >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "$2" ]; then
			_dh_action=restart
		else
			_dh_action=start
		fi
		deb-systemd-invoke $_dh_action '{unit}' >/dev/null || true
	fi
fi
"#
    )
}

fn systemd_postrm(unit: &str) -> String {
    format!(
        r#"if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = "remove" ]; then
	if [ -x "/usr/bin/deb-systemd-helper" ]; then
		deb-systemd-helper mask '{unit}' >/dev/null || true
	fi
fi
if [ "$1" = "purge" ]; then
	if [ -x "/usr/bin/deb-systemd-helper" ]; then
		deb-systemd-helper purge '{unit}' >/dev/null || true
		deb-systemd-helper unmask '{unit}' >/dev/null || true
	fi
fi
"#
    )
}

/// The service unit (systemd.service(5)).
pub struct Unit<'a> {
    pub description: &'a str,
    pub exec_start: &'a str,
    pub user: &'a str,
    pub environment: &'a [(String, String)],
    pub documentation: Option<&'a str>,
}

pub fn unit(u: &Unit) -> String {
    let mut text = format!("[Unit]\nDescription={}\n", u.description);
    if let Some(doc) = u.documentation {
        text.push_str(&format!("Documentation={doc}\n"));
    }
    text.push_str(&format!(
        "After=network.target\n\n[Service]\nType=exec\nExecStart={}\nUser={}\nGroup={}\n",
        u.exec_start, u.user, u.user
    ));
    for (k, v) in u.environment {
        text.push_str(&format!("Environment=\"{k}={v}\"\n"));
    }
    text.push_str("Restart=on-failure\nNoNewPrivileges=true\nPrivateTmp=true\nProtectSystem=full\n\n[Install]\nWantedBy=multi-user.target\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn input(service: Option<(&'static str, Option<&'static str>)>) -> Vec<(&'static str, String)> {
        render(&ScriptInput {
            package: "greet",
            python: "/usr/bin/python3",
            tree: "/usr/share/greet",
            service,
        })
    }

    #[test]
    fn scripts_are_valid_sh_and_compile_with_the_packages_interpreter() {
        let plain = input(None);
        assert_eq!(
            plain.iter().map(|s| s.0).collect::<Vec<_>>(),
            ["postinst", "prerm"]
        );
        assert!(plain[0]
            .1
            .contains("\n    python3 -I -m compileall -q -j 0 /usr/share/greet"));
        assert!(plain[1]
            .1
            .contains("find /usr/share/greet -depth -type d -name __pycache__"));
        let service = input(Some(("greet.service", Some("greet"))));
        assert_eq!(service.len(), 3);
        assert!(service[0].1.contains("useradd --system"));
        assert!(service[0]
            .1
            .contains("deb-systemd-helper enable 'greet.service'"));
        assert!(service[2]
            .1
            .contains("deb-systemd-helper purge 'greet.service'"));
        for (name, text) in plain.iter().chain(&service) {
            assert!(text.starts_with("#!/bin/sh\nset -e\n"));
            let check = Command::new("sh")
                .args(["-n", "-c", text])
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }

    #[test]
    fn unit_file() {
        let env = vec![("GREETING".to_string(), "hi there".to_string())];
        let text = unit(&Unit {
            description: "greet service",
            exec_start: "/usr/bin/greet --wait",
            user: "greet",
            environment: &env,
            documentation: Some("man:greet(1)"),
        });
        assert!(text.contains("ExecStart=/usr/bin/greet --wait\nUser=greet\nGroup=greet\n"));
        assert!(text.contains("Environment=\"GREETING=hi there\"\n"));
        assert!(text.ends_with("WantedBy=multi-user.target\n"));
    }
}
