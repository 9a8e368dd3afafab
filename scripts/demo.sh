#!/usr/bin/env bash
# The main job on bundled data. Until training lands, it shows what vision sees in the fixture
# images: format, size, channels, bit depth and EXIF orientation, and names every damaged file.
set -uo pipefail
vision=${1:-.build/release/vision}
cd "$(dirname "$0")/.."

echo "== vision $($vision --version): decoding the bundled test images (PngSuite, Pillow, libjpeg-turbo)"
echo
$vision decode fixtures/images/jpeg/pillow/*.jpg fixtures/images/jpeg/libjpeg-turbo/jpeg/*.jpg \
    fixtures/images/png/pillow/*.png fixtures/images/pngsuite/corrupt/*.png
status=$?
echo
echo "The errors above are expected: those files are damaged on purpose, and vision names each one"
echo "instead of crashing or feeding wrong pixels to a model. Exit status of the decode: $status."
