#!/usr/bin/env bash
# Installs everything SimFace needs to build, test and serve, and nothing that is already there.
#
# Idempotent and quick when nothing is missing (one line per step). Steps:
#   - the wasm32-unknown-unknown Rust target
#   - trunk 0.21.x and the wasm-bindgen CLI of exactly the version Cargo.lock pins (Trunk.toml runs
#     trunk offline, so it never downloads them itself)
#   - the crates Cargo.lock names (trunk calls cargo with --offline)
#   - the onnxruntime shared library for the native build (from the onnxruntime wheel), linked at
#     .tools/lib/libonnxruntime.so, the default place the Rust code looks when ORT_DYLIB_PATH is unset
#   - the model files listed in models/manifest.json, copied from $SIMFACE_MODELS_DIR,
#     $SIMFACE_SHARED/models or ../shared/models and checked against their SHA-256
#   - sample photos for the web app (assets/samples/, listed in assets/samples/index.json), when
#     ../shared/faces is there; otherwise an empty index, so the app builds and hides its sample pickers
#   - the web app's model folder (.tools/web-models: a hard link to each file of models/manifest.json, which
#     index.html copies into dist/models), so the list of models lives in the manifest alone
#   - the npm packages of package-lock.json (onnxruntime-web, served by the app from its own origin, and
#     playwright-core for the browser tests), and a check of the onnxruntime-web files against the version
#     and SRI hashes of js/onnxruntime-web.json (the file the app compiles in)
#   - Debian's chromium for the browser tests (apt-get), when /usr/bin/chromium is missing
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TRUNK_VERSION=0.21.14
# onnxruntime's version: the one js/onnxruntime-web.json pins for the page, so native and browser agree.
ORT_VERSION=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' js/onnxruntime-web.json)
ORT_LIB=.tools/onnxruntime/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION
ORT_LINK=.tools/lib/libonnxruntime.so
SHARED=${SIMFACE_SHARED:-$(dirname "$ROOT")/shared}

say() { printf 'setup: %s\n' "$*"; }
# link_only OUT FILE...: OUT holds exactly a hard link to each FILE (a copy where the file system cannot link),
# so that index.html can copy one folder into dist/ with nothing else in it.
link_only() {
  python3 - "$@" <<'PY'
import os, shutil, sys
out, files = sys.argv[1], sys.argv[2:]
os.makedirs(out, exist_ok=True)
names = {os.path.basename(f): f for f in files}
for name in os.listdir(out):
    if name not in names:
        os.remove(os.path.join(out, name))
for name, src in sorted(names.items()):
    dst = os.path.join(out, name)
    if os.path.exists(dst) and os.path.samefile(src, dst):
        continue
    if os.path.lexists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
PY
}

die() {
  printf 'setup: ERROR: %s\n' "$*" >&2
  exit 1
}

# --- Rust target -------------------------------------------------------------------------------
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown: ok"
else
  say "rust target wasm32-unknown-unknown: installing"
  rustup target add wasm32-unknown-unknown
fi

# --- trunk ---------------------------------------------------------------------------------------
trunk_found=$(trunk --version 2>/dev/null || true)
if [[ $trunk_found =~ ^trunk\ 0\.21\. ]]; then
  say "trunk: ok (${trunk_found#trunk })"
else
  say "trunk: installing $TRUNK_VERSION (found: ${trunk_found:-none}); this compiles for several minutes"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# --- wasm-bindgen CLI ----------------------------------------------------------------------------
# The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock, or the generated
# glue does not match the wasm module.
wbg_version=$(awk '/^\[\[package\]\]/ { pkg = 0 }
  /^name = "wasm-bindgen"$/ { pkg = 1 }
  pkg && /^version = / { gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
[ -n "$wbg_version" ] || die "no wasm-bindgen package in Cargo.lock"
wbg_found=$(wasm-bindgen --version 2>/dev/null || true)
if [ "$wbg_found" = "wasm-bindgen $wbg_version" ]; then
  say "wasm-bindgen-cli: ok ($wbg_version)"
else
  say "wasm-bindgen-cli: installing $wbg_version (found: ${wbg_found:-none})"
  # Not --locked: the CLI's own lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wbg_version"
fi

# --- crates --------------------------------------------------------------------------------------
# Trunk builds with `cargo --offline`, so every crate in Cargo.lock (wasm-only ones included) must
# already be downloaded. The stamp skips the ~0.5 s `cargo fetch` while Cargo.lock is unchanged.
fetch_stamp=.tools/cargo-fetch.stamp
if [ -f "$fetch_stamp" ] && [ "$fetch_stamp" -nt Cargo.lock ]; then
  say "crates: ok"
else
  say "crates: fetching"
  cargo fetch --quiet
  mkdir -p .tools
  touch "$fetch_stamp"
fi

# --- onnxruntime (native) ------------------------------------------------------------------------
if [ ! -f "$ORT_LIB" ]; then
  say "onnxruntime: installing the $ORT_VERSION wheel into .tools/onnxruntime"
  rm -rf .tools/onnxruntime
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target .tools/onnxruntime "onnxruntime==$ORT_VERSION"
  [ -f "$ORT_LIB" ] || die "the onnxruntime $ORT_VERSION wheel has no $ORT_LIB"
fi
mkdir -p .tools/lib
# Relative link, so the checkout can move.
ort_target=../onnxruntime/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION
if [ "$(readlink "$ORT_LINK" 2>/dev/null || true)" != "$ort_target" ]; then
  ln -sfn "$ort_target" "$ORT_LINK"
fi
say "onnxruntime: ok ($ROOT/$ORT_LINK)"

# --- models --------------------------------------------------------------------------------------
if [ -n "${SIMFACE_MODELS_DIR:-}" ]; then
  models_src=$SIMFACE_MODELS_DIR
else
  models_src=$SHARED/models
fi
# One "file size sha256" line per model copied as it is (the ones "derived_from" another are made below).
model_list=$(python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["models"]:
    if "derived_from" not in m:
        print(m["file"], m["size"], m["sha256"])
' models/manifest.json)

copied=0
while read -r file size sha; do
  dst=models/$file
  if [ -f "$dst" ] && [ "$(stat -c %s "$dst")" = "$size" ] &&
    [ "$(sha256sum "$dst" | cut -d' ' -f1)" = "$sha" ]; then
    continue
  fi
  src=$models_src/$file
  if [ ! -f "$src" ]; then
    die "models/$file is missing and $src does not exist. Get the model files as models/README.md describes, then run: SIMFACE_MODELS_DIR=/path/to/them scripts/setup.sh"
  fi
  rm -f "$dst"
  cp "$src" "$dst"
  chmod 0644 "$dst"
  actual=$(sha256sum "$dst" | cut -d' ' -f1)
  if [ "$actual" != "$sha" ]; then
    rm -f "$dst"
    die "$src has the wrong SHA-256: expected $sha, got $actual (models/manifest.json names the right file)"
  fi
  copied=$((copied + 1))
done <<<"$model_list"
if [ "$copied" -gt 0 ]; then
  say "models: copied $copied from $models_src, hashes ok"
else
  say "models: ok"
fi

# --- int8 embedders, made from the fp32 ones ----------------------------------------------------------
# Converted files are never committed, so set-up makes them: tools/make_variants.py --offered, with onnx and
# onnxruntime pinned in a virtual environment under .tools/ (the quantization is deterministic for pinned
# versions, so the result must have the manifest's SHA-256).
derived_list=$(python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["models"]:
    if "derived_from" in m:
        print(m["file"], m["size"], m["sha256"])
' models/manifest.json)
derived_ok() {
  while read -r file size sha; do
    [ -f "models/$file" ] && [ "$(stat -c %s "models/$file")" = "$size" ] &&
      [ "$(sha256sum "models/$file" | cut -d' ' -f1)" = "$sha" ] || return 1
  done <<<"$derived_list"
}
if [ -n "$derived_list" ] && ! derived_ok; then
  PYVENV=.tools/pyvenv
  REQS=tools/requirements-variants.txt
  if [ ! -x "$PYVENV/bin/python" ] || ! cmp -s "$REQS" "$PYVENV/.requirements"; then
    say "python tools: installing $REQS into $PYVENV"
    python3 -m venv "$PYVENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    "$PYVENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS" || die "pip could not install $REQS"
    cp "$REQS" "$PYVENV/.requirements"
  fi
  "$PYVENV/bin/python" tools/make_variants.py --offered models >/dev/null 2>&1 ||
    die "tools/make_variants.py --offered models failed (run it by hand to see why)"
  derived_ok || die "the int8 models made by tools/make_variants.py do not have the SHA-256 of models/manifest.json (are the versions of $REQS installed in $PYVENV?)"
  say "models: made the int8 embedders, hashes ok"
fi

# --- the web app's model folder ----------------------------------------------------------------------
# index.html copies this folder to dist/models: one hard link per manifest entry (no copy, no extra disk),
# and nothing else of models/ (README, variants) ends up in the app.
web_models=.tools/web-models
mapfile -t model_files < <(python3 -c '
import json
for m in json.load(open("models/manifest.json"))["models"]:
    print("models/" + m["file"])
')
link_only "$web_models" "${model_files[@]}"
say "web app models: ok ($web_models)"

# --- sample photos for the web app ---------------------------------------------------------------
faces=$SHARED/faces
if [ -d "$faces" ]; then
  mkdir -p assets/samples
  for set in gallery probe simface groups antispoof; do
    if [ -d "$faces/$set" ]; then
      # -u copies only what is new or newer; the sources are read-only, the copies need not be.
      cp -R -u "$faces/$set" assets/samples/
      chmod -R u+w "assets/samples/$set"
    fi
  done
  say "sample photos: ok (assets/samples)"
else
  say "sample photos: skipped ($faces not found; the app works without them)"
fi

# The app's list of sample photos (served as samples/index.json; empty when there are none).
mkdir -p assets/samples
python3 - <<'PY'
import json, os
root = "assets/samples"
exts = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif")
samples = sorted(
    os.path.relpath(os.path.join(d, f), root)
    for d, _, files in os.walk(root)
    for f in files
    if f.lower().endswith(exts)
)
text = json.dumps({"samples": samples}, indent=1) + "\n"
path = os.path.join(root, "index.json")
if not os.path.exists(path) or open(path).read() != text:
    open(path, "w").write(text)
PY

# --- npm packages --------------------------------------------------------------------------------
# `npm ci` installs exactly package-lock.json; the stamp skips it while the lock file is unchanged.
# --ignore-scripts: no package needs an install script, and playwright-core never downloads a browser.
npm_stamp=node_modules/.simface-npm.stamp
if [ -f "$npm_stamp" ] && [ "$npm_stamp" -nt package-lock.json ] && [ -d node_modules/onnxruntime-web ]; then
  say "npm packages: ok"
else
  command -v npm >/dev/null || die "npm is missing (Debian: apt-get install -y nodejs npm)"
  say "npm packages: installing (npm ci)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi
# The version and SHA-384 the app pins for Subresource Integrity: js/onnxruntime-web.json, compiled into the
# app; package.json must ask npm for the same version.
ort_dist=node_modules/onnxruntime-web/dist
python3 - "$ort_dist" <<'PY' || die "onnxruntime-web does not match js/onnxruntime-web.json (see above)"
import base64, hashlib, json, sys
dist = sys.argv[1]
pinned = json.load(open("js/onnxruntime-web.json"))
bad = []
wanted = json.load(open("package.json"))["dependencies"]["onnxruntime-web"]
installed = json.load(open("node_modules/onnxruntime-web/package.json"))["version"]
if not (wanted == installed == pinned["version"]):
    bad.append(f"versions: package.json {wanted}, installed {installed}, js/onnxruntime-web.json {pinned['version']}")
for entry in [*pinned["files"].values(), *pinned["webgpu_files"].values()]:
    actual = base64.b64encode(hashlib.sha384(open(f"{dist}/{entry['file']}", "rb").read()).digest()).decode()
    if actual != entry["sha384"]:
        bad.append(f"{dist}/{entry['file']} has SHA-384 {actual}, js/onnxruntime-web.json pins {entry['sha384']}")
for line in bad:
    print(f"setup: ERROR: {line}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
# index.html copies this folder to dist/ort: the pinned files only, of both builds (the WebAssembly one the
# page loads by default, the WebGPU one it loads only to run the models on WebGPU).
mapfile -t ort_files < <(python3 -c '
import json, sys
pinned = json.load(open("js/onnxruntime-web.json"))
for e in [*pinned["files"].values(), *pinned["webgpu_files"].values()]:
    print(sys.argv[1] + "/" + e["file"])
' "$ort_dist")
link_only .tools/web-ort "${ort_files[@]}"
say "onnxruntime-web: ok ($(python3 -c 'import json; print(json.load(open("js/onnxruntime-web.json"))["version"])'), SRI hashes match)"

# --- chromium (browser tests) --------------------------------------------------------------------
if [ -x /usr/bin/chromium ]; then
  say "chromium: ok"
else
  say "chromium: installing Debian's package (apt-get)"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  if ! "${sudo_cmd[@]}" apt-get install -y --no-install-recommends chromium; then
    "${sudo_cmd[@]}" apt-get update
    "${sudo_cmd[@]}" apt-get install -y --no-install-recommends chromium
  fi
fi
