#!/usr/bin/env bash
# Builds the fuzz corpora in fuzz/corpus/<target> (git-ignored: most image seeds are made from the shared photos,
# which are never committed). Safe to run again: seeds are rewritten, what libFuzzer added stays.
# Usage: fuzz/seed.sh [SHARED_DIR]  (default $SIMFACE_SHARED, else ../shared beside the checkout)
set -euo pipefail
cd "$(dirname "$0")"
shared=${1:-${SIMFACE_SHARED:-../../shared}}

# The seed generator is plain Rust (stable): shrunken re-encodings of the photos, odd synthetic images, JSON.
cargo build --release --quiet -p simface-fuzz-seed
target/release/simface-fuzz-seed "$shared/faces" corpus

# The pipeline also gets the odd images (1×1, 300×1, grey, alpha, 16-bit, EXIF turns, a cut-off JPEG).
cp corpus/decode/odd_* corpus/pipeline/
# The manifest and other JSON documents of the repository.
mkdir -p corpus/manifest_json corpus/yunet_decode
cp ../models/manifest.json corpus/manifest_json/manifest.json
cp ../js/onnxruntime-web.json corpus/manifest_json/onnxruntime-web.json
cp ../package.json corpus/manifest_json/package.json
# Gallery and face JSON also start from the other JSON targets' documents: same grammar, other shapes.
cp corpus/face_json/face_plain.json corpus/gallery_json/
cp corpus/gallery_json/empty.json corpus/face_json/
# yunet_decode reads its tensors through `arbitrary`: libFuzzer starts it from nothing.
for target in corpus/*/; do
	echo "corpus ${target%/}: $(find "$target" -type f | wc -l) files"
done
