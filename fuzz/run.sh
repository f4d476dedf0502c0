#!/usr/bin/env bash
# Fuzz every reader for SECONDS each (default 60), seeded with real artifacts:
#   fuzz/run.sh [SECONDS] [SEED_DIR...]   (fuzz/seeds/* are always added: Zip64 archives)
# TARGETS="inspect elf" limits the run to some targets.
# Needs cargo-fuzz (cargo install cargo-fuzz); RUSTC_BOOTSTRAP lets the stable
# toolchain accept the sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
export RUSTC_BOOTSTRAP=1
for target in ${TARGETS:-inspect zip_reader tar_reader core_metadata elf elf_patch closure install}; do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  for dir in "$@" seeds/*; do
    find "$dir" -maxdepth 2 -type f -size -2M | while read -r seed; do
      case "$target" in
        tar_reader) { printf '\001'; cat "$seed"; } > "$corpus/seed-$(basename "$seed")" ;;
        *) cp "$seed" "$corpus/" ;;
      esac
    done
  done
  echo "== $target: ${seconds}s"
  cargo fuzz run -O "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576 2>&1 \
    | grep -E "^#[0-9]+.*DONE|^Done|SUMMARY|panicked|ERROR" || true
done
