#!/usr/bin/env bash
# Install what Gradient Studio needs on a Debian/Ubuntu machine; idempotent
# (a second run checks and does nothing).
#
#   scripts/deps.sh                    everything: system packages, Rust
#                                      components, the oracle venv
#   scripts/deps.sh --app              only what building and running the app needs
#   scripts/deps.sh --oracle-only      only the oracle venv
#   scripts/deps.sh --print-oracle-python   print the oracle venv's python path
#   scripts/deps.sh --app-wheels       only the oracle venv and the test wheelhouses
#   scripts/deps.sh --print-app-wheels      print the test wheelhouses' directory
#   scripts/deps.sh --oci-debs         only the .deb files of the container-image tests' base
#   scripts/deps.sh --print-oci-debs   print their directory
#   scripts/deps.sh --index-servers    only the index servers' venv (publishing tests)
#   scripts/deps.sh --print-index-python    print that venv's python path
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${GRADIENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gradient-studio}
venv="$cache/oracle-venv"
requirements="$root/tests/oracle-requirements.txt"

say() { printf '[deps] %s\n' "$*" >&2; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages() {
  local wanted=("$@") missing=()
  for pkg in "${wanted[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

rust() {
  command -v cargo >/dev/null || { say "cargo not found: install Rust from your distribution or rustup"; exit 1; }
  if command -v rustup >/dev/null; then
    for component in rustfmt clippy; do
      rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
    done
  fi
}

# A venv at $1 holding the requirements file $2 (its name in messages: $3),
# made again only when the file changed.
requirements_venv() {
  local dir=$1 requirements=$2 stamp
  stamp=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.requirements-sha256" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  say "creating the $3 venv in $dir"
  rm -rf "$dir"
  mkdir -p "$cache"
  python3 -m venv "$dir"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
  echo "$stamp" > "$dir/.requirements-sha256"
}

oracle() { requirements_venv "$venv" "$requirements" oracle; }

# Package index servers for the publishing tests, in a venv of their own so
# their dependencies never mix with the oracle's.
index_venv="$cache/index-venv"
index_servers() { requirements_venv "$index_venv" "$root/tests/index-server-requirements.txt" "index servers'"; }

# The fixture application's wheels (tests/fixtures/app-wheels.txt): one
# wheelhouse for the python3 on PATH ("host") and one for another CPython
# version ("other", its X.Y in other/VERSION), downloaded once.
wheels_dir() {
  echo "$cache/app-wheels/$(sha256sum "$root/tests/fixtures/app-wheels.txt" | cut -c1-16)"
}

app_wheels() {
  local dir host other pip
  dir=$(wheels_dir)
  [ -f "$dir/.complete" ] && return 0
  say "fetching the fixture application's wheels into $dir"
  rm -rf "$dir"
  mkdir -p "$dir/host" "$dir/other"
  pip=("$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all:)
  host=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  other=3.12
  [ "$host" = 3.12 ] && other=3.13
  "${pip[@]}" --python-version "$host" -d "$dir/host" -r "$root/tests/fixtures/app-wheels.txt"
  "${pip[@]}" --python-version "$other" --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    -d "$dir/other" -r "$root/tests/fixtures/app-wheels.txt"
  echo "$other" > "$dir/other/VERSION"
  touch "$dir/.complete"
}

# Container images: podman/runc run them, docker-registry serves them on
# loopback, skopeo and umoci read them; the base's Debian packages are
# downloaded once into the cache (the tests run offline afterwards).
oci_packages=(podman runc docker-registry skopeo umoci)
oci_debs_dir() { echo "$cache/oci-debs"; }
oci_debs() {
  local dir
  dir=$(oci_debs_dir)
  [ -f "$dir/.complete" ] && return 0
  say "downloading the container base's Debian packages into $dir"
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "$dir" && apt-get download -q libc6 libgcc-s1 ca-certificates tzdata >/dev/null 2>&1) ||
    { sudo_if_needed apt-get update -qq; (cd "$dir" && apt-get download -q libc6 libgcc-s1 ca-certificates tzdata >/dev/null); }
  touch "$dir/.complete"
}

app_packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver)
case "${1:-all}" in
  --print-oracle-python) echo "$venv/bin/python" ;;
  --print-app-wheels) wheels_dir ;;
  --print-oci-debs) oci_debs_dir ;;
  --oci-debs) oci_debs ;;
  --print-index-python) echo "$index_venv/bin/python" ;;
  --index-servers) apt_packages python3-venv; index_servers ;;
  --app-wheels) apt_packages python3-venv; oracle; app_wheels ;;
  --oracle-only) apt_packages python3-venv; oracle ;;
  --app) apt_packages "${app_packages[@]}"; rust ;;
  all)
    apt_packages "${app_packages[@]}" python3-venv "${oci_packages[@]}"
    command -v node >/dev/null || apt_packages nodejs
    # Debian packages: lintian judges them, apt installs the system layout
    # on Debian's own python3, deb-systemd-helper enables their services.
    apt_packages lintian python3 init-system-helpers binutils
    # Wheel repair: C extensions built here (gcc, Python.h), PyYAML against libyaml.
    apt_packages gcc python3-dev libyaml-dev util-linux
    rust; oracle; app_wheels; index_servers; oci_debs ;;
  *) say "unknown option $1"; exit 2 ;;
esac
