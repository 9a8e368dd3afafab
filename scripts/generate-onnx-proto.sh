#!/bin/sh
# Regenerates Sources/VisionONNX/Generated/onnx.pb.swift from onnx.proto beside it. Run by hand
# when onnx.proto changes (never by CI or the build: building protoc-gen-swift takes minutes).
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift from apple/swift-protobuf 1.39.0:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   (cd /tmp/swift-protobuf && swift build -c release --product protoc-gen-swift)
set -eu
cd "$(dirname "$0")/../Sources/VisionONNX/Generated"
plugin=${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}
protoc --plugin="$plugin" --swift_opt=Visibility=Public --swift_out=. onnx.proto
echo "wrote $(pwd)/onnx.pb.swift"
