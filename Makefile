# Two commands do everything on a fresh Debian machine with Swift 6:
#   make demo   installs what is missing, builds (release) and runs the main job on bundled data
#   make test   installs what is missing and runs every test
SWIFT ?= swift
VISION := .build/release/vision

.PHONY: demo test build deps bench bench-decode bench-train clean

deps:
	@scripts/install-system-packages.sh

# The Swift runtime and Foundation linked in: the binary runs on a machine without a Swift
# toolchain, and `vision infer MODEL one.png` starts about 7 ms sooner (fewer libraries to
# load and relocate; see benchmarks/train/cold-start.sh). One section per function, laid out by
# scripts/startup-order.txt, so that the code a start runs shares a few pages (lld, set for
# this target in Package.swift, skips names a newer build no longer has).
RELEASE_FLAGS := --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections \
	-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/startup-order.txt -Xlinker --no-warn-symbol-ordering
build: deps
	$(SWIFT) build -c release --product vision $(RELEASE_FLAGS)

demo: build
	@scripts/demo.sh $(VISION)

test: deps
	$(SWIFT) test

bench: bench-decode bench-train

bench-train: build
	benchmarks/train/run.sh $(VISION)

bench-decode: build
	benchmarks/decode/run.sh $(VISION)

clean:
	rm -rf .build
