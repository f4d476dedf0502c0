#!/usr/bin/env bash
# Fuzz every reader for SECONDS each (default 60), seeded with real artifacts:
#   fuzz/run.sh [SECONDS] [SEED_DIR...]   (fuzz/seeds/* are always added: Zip64 archives)
# TARGETS="inspect elf" limits the run to some targets; RUNS=1000000 runs that
# many inputs per target instead of SECONDS; SANITIZER=none builds without
# AddressSanitizer (several times faster; panics and leaks of memory bounds
# are still caught, out-of-bounds reads in unsafe code are not).
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
  if [ -n "${RUNS:-}" ]; then limit="-runs=$RUNS"; else limit="-max_total_time=$seconds"; fi
  echo "== $target: $limit"
  cargo fuzz run -O -s "${SANITIZER:-address}" "$target" "$corpus" -- "$limit" -rss_limit_mb=2048 -max_len=1048576 2>&1 \
    | grep -E "^#[0-9]+.*DONE|^Done|SUMMARY|panicked|ERROR" || true
done
