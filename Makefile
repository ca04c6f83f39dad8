# SimFace Web. The README's two commands: `make serve` (the web app on http://127.0.0.1:8080) and
# `make test` (every check CI runs). Both run scripts/setup.sh first, which installs only what is missing.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# The native build loads onnxruntime at run time from here unless the caller points elsewhere.
export ORT_DYLIB_PATH ?= $(CURDIR)/.tools/lib/libonnxruntime.so
# Trunk's update check is a network request; the build itself is offline (Trunk.toml).
export TRUNK_SKIP_VERSION_CHECK := true

.PHONY: help setup serve test e2e build bench clean distclean

help:
	@echo "make serve      set up, then serve the web app's release build on http://127.0.0.1:8080 (trunk serve --release)"
	@echo "make test       set up, then fmt, clippy (native + wasm32), tests, release web build, browser tests, short fuzz"
	@echo "make setup      install the tools, onnxruntime, models and sample photos that are missing"
	@echo "make e2e        browser tests: headless Chromium (Debian's) on the built dist/ (needs trunk build)"
	@echo "make build      release builds: the simface CLI and the web app (dist/)"
	@echo "make bench      time the native pipeline on sample photos"
	@echo "make bench-browser  the app's stages in headless Chromium vs raw onnxruntime-web and native"
	@echo "make bench-live     the live camera view with a fake webcam: fps, detection, embedding"
	@echo "make bench-race     the app against Human and face-api (and raw onnxruntime-web) on the same photos"
	@echo "make soak           10 min of the live camera and 200 photos: memory must stay flat (writes docs/soak.png)"
	@echo "make fuzz       the fuzz targets (cargo-fuzz), FUZZ_SECONDS each (default 60): decoding, the pipeline, JSON"
	@echo "make convert-check  checkpoints -> ONNX: EdgeFace (every variant, the official XS/XXS) and MiniFASNet V2/V1SE (PyTorch, by hand)"
	@echo "make clean      remove build outputs (target/, dist/)"
	@echo "make distclean  also remove what setup installed in the checkout (.tools/, models, samples)"

setup:
	scripts/setup.sh

# The release build: what users get (a debug build's wasm is several times larger and its Rust glue unoptimised);
# no live-reload script (the page's Content-Security-Policy would refuse its websocket and log an error).
serve: setup
	trunk serve --release --no-autoreload

# Tests run in the dev profile: Cargo.toml builds every dependency at opt-level 2 there (image decoding,
# onnxruntime calls), so the suite runs in about a minute, while a release build of the test binaries
# (thin LTO for each) costs about three minutes more than it saves. The dev profile also reuses the
# build scripts and proc-macros that the native clippy run just built.
test: setup
	cargo fmt --all --check
	# The core depends on no UI and no command-line crate, for either target (README, "Architecture").
	mkdir -p target && cargo tree -p simface --target all -e normal --prefix none > target/core-deps.txt
	if grep -E '^(leptos|clap|csv|anyhow|console_error_panic_hook) ' target/core-deps.txt; then \
		echo "the core (crates/simface) must not depend on these" >&2; exit 1; fi
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --workspace --all-targets --target wasm32-unknown-unknown --exclude simface-cli -- -D warnings
	cargo test --workspace
	trunk build --release
	node e2e/run.mjs
	# The same dist/ from a server that sets no COOP/COEP headers: one wasm thread, still a working page (and
	# offline too).
	SIMFACE_E2E_NOT_ISOLATED=1 node e2e/run.mjs load_models compare_same_person live_enrol offline
	# A short fuzz run, 20 s per target (README, "Fuzzing"; ~4 minutes from a fresh checkout, cargo-fuzz installed
	# if missing): a crash fails the run and leaves its input in fuzz/artifacts/. `make fuzz` runs longer.
	SIMFACE_SHARED=$(SHARED) fuzz/run.sh 20

# The browser tests (e2e/*.spec.mjs): playwright-core drives /usr/bin/chromium against dist/ served on
# 127.0.0.1 with COOP/COEP headers, and compares scores with the simface CLI. `make e2e ARGS=group` runs
# the specs whose name contains "group"; SIMFACE_E2E_NOT_ISOLATED=1 serves without the headers.
e2e:
	node e2e/run.mjs $(ARGS)

build: setup
	cargo build --release -p simface-cli
	trunk build --release

# The README's benchmark table: one ONNX Runtime thread, the pipeline against plain ONNX Runtime runs of the
# same models on the same tensors (--baseline), for both embedders on a 640x480 portrait and for a group photo;
# then what finding faces at any angle costs on the portrait turned.
bench: setup
	cargo build --release -p simface-cli
	for model in xs xxs; do \
		target/release/simface bench --threads 1 --baseline --liveness --runs 40 --model $$model --resize 640x480 \
			assets/samples/simface/royalty_free_good_face.jpg; \
	done
	target/release/simface bench --threads 1 --baseline --runs 20 assets/samples/groups/office4.jpg
	# Faces at any angle: the portrait upright with the search off, then turned (README, "Faces at any angle").
	target/release/simface bench --threads 1 --runs 20 --upright-only --resize 640x480 assets/samples/simface/royalty_free_good_face.jpg
	for degrees in 90 180 135; do \
		target/release/simface bench --threads 1 --runs 20 --rotate $$degrees --resize 640x480 \
			assets/samples/simface/royalty_free_good_face.jpg; \
	done

clean:
	cargo clean
	rm -rf dist

distclean: clean
	rm -rf .tools assets/samples
	rm -f models/*.onnx models/*.bin

# The browser benchmark (e2e/bench.mjs): the app's per-stage medians in headless Chromium on the 640x480
# portrait and group photo, next to plain onnxruntime-web runs of the same models in the same page and the
# native `simface bench --baseline` from the same run, plus the wasm size and warm-cache start-up time.
# Needs dist/ (trunk build --release). SIMFACE_E2E_NOT_ISOLATED=1 for one thread. Not part of `make test`.
.PHONY: bench-browser
bench-browser:
	node e2e/bench.mjs $(ARGS)

# The live camera in headless Chromium with a fake webcam: frames per second, detection and embedding
# times (needs dist/, like bench-browser).
.PHONY: bench-live
bench-live:
	node e2e/bench_live.mjs $(ARGS)

# The race (e2e/bench_race.mjs): the app, file given -> result on screen, against @vladmandic/human and
# @vladmandic/face-api (devDependencies, served from node_modules by a server of their own, never in dist/) and
# raw onnxruntime-web on the app's models, interleaved in one browser. Needs dist/. Not part of `make test`.
.PHONY: bench-race
bench-race:
	node e2e/bench_race.mjs $(ARGS)

# The soak (e2e/soak.mjs): 10 minutes of the live camera with an enrolled person (named every second, the camera
# restarted every minute) and 200 photos dropped into the compare view, memory sampled after forced garbage
# collections (JS heap, DOM nodes and listeners, the app's and onnxruntime-web's wasm memory); fails if a series
# grows more than 5 % after the warm-up; writes docs/soak.png. Needs dist/. ~15 minutes: not part of `make test`.
.PHONY: soak
soak:
	node e2e/soak.mjs $(ARGS)

# The fuzz targets (fuzz/, cargo-fuzz and libFuzzer; README, "Fuzzing"): image decoding, the whole pipeline with
# the real models on small images, YuNet's output decoding, and the gallery, face and manifest JSON. fuzz/run.sh
# installs cargo-fuzz if it is missing, builds the corpora (fuzz/seed.sh: shrunken copies of ../shared's photos,
# git-ignored), builds the targets with nightly (else RUSTC_BOOTSTRAP=1), then runs each for FUZZ_SECONDS, one at
# a time, and prints the executions libFuzzer counted. Crash inputs land in fuzz/artifacts/. `make test` runs each
# target for 20 s.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: setup
	SIMFACE_SHARED=$(SHARED) fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The EdgeFace converter's proof (tools/convert_edgeface.py), by hand only: it needs PyTorch, which
# tools/requirements-convert.txt pins and pip fetches into .tools/convvenv (about 5 GB with the CUDA wheels PyPI
# pairs with torch; the conversion itself runs on the CPU in seconds). Every variant on seeded random weights,
# then both official checkpoints of ../shared against the ONNX models set-up copied into models/.
SHARED ?= $(or $(SIMFACE_SHARED),$(CURDIR)/../shared)
.PHONY: convert-check
convert-check: setup
	test -x .tools/convvenv/bin/python || python3 -m venv .tools/convvenv
	.tools/convvenv/bin/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-convert.txt
	.tools/convvenv/bin/python tools/convert_edgeface.py --self-test --aligned $(SHARED)/golden/aligned
	for v in xs xxs; do \
		.tools/convvenv/bin/python tools/convert_edgeface.py $(SHARED)/models/edgeface_$${v}_q.pt \
			--variant edgeface_$${v}_q --out target/converted/edgeface_$$v.onnx \
			--reference models/edgeface_$$v.onnx --aligned $(SHARED)/golden/aligned; \
	done
	# MiniFASNet (liveness): both checkpoints against the ONNX files set-up copied, on the 80x80 inputs the CLI
	# makes of minivision's samples and the shared portraits.
	cargo build --release --bin simface
	mkdir -p target/liveness-crops
	target/release/simface liveness --crops target/liveness-crops $(SHARED)/faces/antispoof/*.jpg \
		$(SHARED)/faces/gallery/*.jpg $(SHARED)/faces/probe/*.jpg > /dev/null
	.tools/convvenv/bin/python tools/convert_minifasnet.py $(SHARED)/models/2.7_80x80_MiniFASNetV2.pth --variant v2 \
		--out target/converted/MiniFASNetV2.onnx --crops target/liveness-crops --reference models/MiniFASNetV2.onnx
	.tools/convvenv/bin/python tools/convert_minifasnet.py $(SHARED)/models/4_0_0_80x80_MiniFASNetV1SE.pth --variant v1se \
		--out target/converted/MiniFASNetV1SE.onnx --crops target/liveness-crops --reference models/MiniFASNetV1SE.onnx
