#!/usr/bin/env bash
# `make fuzz`: installs cargo-fuzz if it is missing, builds the corpora (fuzz/seed.sh), builds every target once,
# then runs each for SECONDS (default 60) and prints the executions libFuzzer counted. Logs in fuzz/logs/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (default: every target)
#
# One libFuzzer process at a time (no -jobs, no -fork). Targets are built in release with debug assertions
# (so arithmetic overflow panics, as in the test suite's dev profile) and without a sanitizer: the code is
# safe Rust, and AddressSanitizer would halve the executions for little.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode gallery_json manifest_json face_json yunet_decode pipeline)

command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz needs nightly flags: the nightly toolchain where there is one, else stable told to allow them.
if rustup toolchain list 2> /dev/null | grep -q '^nightly'; then
	fuzz=(cargo +nightly fuzz)
else
	fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
flags=(--release --debug-assertions --sanitizer none)

start=$(date +%s)
fuzz/seed.sh
echo "== corpora built in $(($(date +%s) - start))s"
start=$(date +%s)
"${fuzz[@]}" build "${flags[@]}"
echo "== targets built in $(($(date +%s) - start))s"

mkdir -p fuzz/logs
failed=()
summary=()
for target in "${targets[@]}"; do
	case $target in
		decode | pipeline) dict=fuzz/dict/image.dict ;;
		yunet_decode) dict= ;;
		*) dict=fuzz/dict/json.dict ;;
	esac
	args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1)
	[ -z "$dict" ] || args+=(-dict="$dict")
	echo "== $target: ${seconds}s"
	start=$(date +%s)
	if ! "${fuzz[@]}" run "${flags[@]}" "$target" "fuzz/corpus/$target" -- "${args[@]}" > "fuzz/logs/$target.log" 2>&1; then
		failed+=("$target")
		tail -n 40 "fuzz/logs/$target.log"
	fi
	elapsed=$(($(date +%s) - start))
	executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/logs/$target.log" | grep -o '[0-9]*$' || echo '?')
	summary+=("$(printf '%-14s %12s executions in %5ss' "$target" "$executions" "$elapsed")")
	echo "${summary[-1]}"
done
echo "== summary (logs in fuzz/logs/)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]} (crash inputs in fuzz/artifacts/<target>/)" >&2
	exit 1
fi
