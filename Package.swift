// swift-tools-version: 6.1
import PackageDescription

// Targets are listed lowest first: each may import only the ones above it (see ../shared/DESIGN.md).
// Plugins/ holds vision's model and metric modules: ordinary targets with an explicit `path:`,
// NOT SwiftPM package plugins.
let package = Package(
    name: "vision",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vision", targets: ["vision"]),
        .library(name: "VisionImage", targets: ["VisionImage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: The C edge: system libraries from Debian and the few lines of C that own setjmp.
        .systemLibrary(
            name: "CPNG",
            path: "Sources/CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CDeflate",
            path: "Sources/CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            path: "Sources/CJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]
        ),
        // oneDNN 2.6 ships no pkg-config file: the module map names header dnnl.h and library dnnl.
        .systemLibrary(
            name: "CDNNL",
            path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"])]
        ),
        // Open MPI for distributed training, opened at run time (libmpi.so.40) by the ranks of a
        // launched job only; <mpi.h> (libopenmpi-dev) is read for its types and constants.
        .target(
            name: "CMPI",
            path: "Sources/CMPI",
            cSettings: [
                .unsafeFlags(["-I/usr/lib/x86_64-linux-gnu/openmpi/include", "-I/usr/lib/aarch64-linux-gnu/openmpi/include"])
            ],
            linkerSettings: [.linkedLibrary("dl")]
        ),
        .target(
            name: "CCodecs",
            dependencies: ["CPNG", "CJPEG", "CDeflate"],
            path: "Sources/CCodecs"
        ),

        // MARK: Libraries.
        .target(
            name: "VisionImage",
            dependencies: ["CCodecs"],
            path: "Sources/VisionImage"
        ),
        .target(
            name: "SafeTensors",
            path: "Sources/SafeTensors"
        ),
        .target(
            name: "CWinograd",
            path: "Sources/CWinograd",
            // Optimised in debug builds too: on an AVX2 machine every test that trains runs it.
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dl")]
        ),
        .target(
            name: "VisionTensor",
            dependencies: ["CDNNL", "CWinograd", "SafeTensors"],
            path: "Sources/VisionTensor"
        ),
        .target(
            name: "VisionNN",
            dependencies: ["VisionTensor", "SafeTensors"],
            path: "Sources/VisionNN"
        ),
        .target(
            name: "VisionData",
            dependencies: ["VisionImage", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/VisionData"
        ),

        // MARK: Plugin APIs: small, so that plugins (and later plugins loaded from a dynamic
        // library) link little. VisionPluginAPI: strict configuration and the one generic
        // registry; VisionMetricAPI: the metric protocol and state (no oneDNN, codecs or YAML);
        // VisionModelAPI: the model protocol, preprocessing and model specification over VisionNN.
        .target(
            name: "VisionPluginAPI",
            path: "Sources/VisionPluginAPI"
        ),
        .target(
            name: "VisionMetricAPI",
            dependencies: ["VisionPluginAPI"],
            path: "Sources/VisionMetricAPI"
        ),
        .target(
            name: "VisionModelAPI",
            dependencies: ["VisionPluginAPI", "VisionNN", "VisionTensor"],
            path: "Sources/VisionModelAPI"
        ),

        // MARK: Built-in plugins (Plugins/ = vision's model and metric modules, not SwiftPM plugins).
        .target(
            name: "VisionModels",
            dependencies: ["VisionModelAPI", "VisionNN", "VisionTensor"],
            path: "Plugins/Models"
        ),
        .target(
            name: "VisionMetrics",
            dependencies: ["VisionMetricAPI"],
            path: "Plugins/Metrics"
        ),
        // The YAML model language: a plugin kind of its own (models written as files).
        .target(
            name: "VisionYAMLModels",
            dependencies: ["VisionModelAPI", "VisionNN", "VisionTensor", .product(name: "Yams", package: "Yams")],
            path: "Plugins/YAMLModels"
        ),

        // MARK: Collectives between the processes of a job (MPI); a single process without a launcher.
        .target(
            name: "VisionDistributed",
            dependencies: ["CMPI"],
            path: "Sources/VisionDistributed"
        ),

        // MARK: The workflow: run specification, training loop, evaluation, prediction, model file, reports.
        .target(
            name: "VisionWorkflow",
            dependencies: [
                "VisionImage", "VisionTensor", "VisionNN", "VisionData", "SafeTensors", "VisionModelAPI", "VisionMetricAPI",
                "VisionDistributed", .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/VisionWorkflow"
        ),

        // MARK: Serving: the HTTP service (Hummingbird), micro-batching, limits and metrics.
        // ONNX export: the graph a traced forward pass gives, as ONNX protobuf. Generated/onnx.pb.swift
        // comes from Generated/onnx.proto through protoc-gen-swift once (scripts/generate-onnx-proto.sh);
        // builds only compile it.
        .target(
            name: "VisionONNX",
            dependencies: [
                "VisionTensor", "VisionNN", "VisionModelAPI",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/VisionONNX",
            exclude: ["Generated/onnx.proto"]
        ),
        .target(
            name: "VisionServe",
            dependencies: [
                "VisionImage", "VisionTensor", "VisionNN", "VisionData", "VisionWorkflow", "VisionModelAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/VisionServe"
        ),

        // MARK: The command: argument parsing and printing only.
        .executableTarget(
            name: "vision",
            dependencies: [
                "VisionImage", "VisionTensor", "VisionNN", "VisionData", "VisionWorkflow", "VisionModelAPI", "VisionMetricAPI",
                "VisionModels", "VisionMetrics", "VisionYAMLModels", "VisionServe", "VisionONNX", "VisionDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/vision",
            // Cold start (`vision infer` of one image, whole process): lld with packed relative
            // relocations (DT_RELR: 25 KB instead of 3 MB of .rela.dyn that the loader reads at
            // every start) and no export of the executable's ~43,000 symbols, which the static
            // stdlib's link arguments ask for and nothing here looks up: −5.6 MB peak RSS.
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "--no-export-dynamic", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])
            ]
        ),

        // MARK: Fuzzing: the untrusted-input entry points as one library (replayed by the tests) and
        // a runner that fuzz/run.sh builds with libFuzzer (-DFUZZING -sanitize=fuzzer); in normal
        // builds the runner replays files.
        .target(
            name: "VisionFuzzTargets",
            dependencies: ["SafeTensors", "VisionData", "VisionImage", "VisionWorkflow", "VisionYAMLModels"],
            path: "fuzz/Targets"
        ),
        .target(
            name: "CFuzzDriver",
            path: "fuzz/Driver"
        ),
        .executableTarget(
            name: "vision-fuzz",
            dependencies: ["VisionFuzzTargets", "CFuzzDriver"],
            path: "fuzz/Runner"
        ),

        // MARK: Tests. Fixtures live in fixtures/ at the root, so that tests pass without ../shared.
        .target(
            name: "VisionTestSupport",
            dependencies: ["VisionImage", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/VisionTestSupport"
        ),
        .target(
            name: "VisionGoldenSupport",
            dependencies: ["VisionTensor", "SafeTensors", "VisionTestSupport"],
            path: "Tests/VisionGoldenSupport"
        ),
        .testTarget(
            name: "VisionImageTests",
            dependencies: ["VisionImage", "CCodecs", "VisionTestSupport"],
            path: "Tests/VisionImageTests"
        ),
        .testTarget(
            name: "SafeTensorsTests",
            dependencies: ["SafeTensors", "VisionTestSupport"],
            path: "Tests/SafeTensorsTests"
        ),
        .testTarget(
            name: "VisionTensorTests",
            dependencies: ["VisionTensor", "CDNNL", "SafeTensors", "VisionTestSupport", "VisionGoldenSupport"],
            path: "Tests/VisionTensorTests"
        ),
        .testTarget(
            name: "VisionNNTests",
            dependencies: ["VisionNN", "VisionTensor", "SafeTensors", "VisionTestSupport", "VisionGoldenSupport"],
            path: "Tests/VisionNNTests"
        ),
        .testTarget(
            name: "VisionDataTests",
            dependencies: ["VisionData", "VisionImage", "SafeTensors", "VisionTestSupport"],
            path: "Tests/VisionDataTests"
        ),
        .testTarget(
            name: "VisionWorkflowTests",
            dependencies: [
                "VisionWorkflow", "VisionModelAPI", "VisionModels", "VisionMetrics", "VisionNN", "VisionTensor", "VisionData", "SafeTensors",
                "VisionTestSupport",
            ],
            path: "Tests/VisionWorkflowTests"
        ),
        .testTarget(
            name: "VisionModelsTests",
            dependencies: ["VisionModels", "VisionModelAPI", "VisionYAMLModels", "VisionGoldenSupport", "SafeTensors", "VisionNN", "VisionTensor", "VisionTestSupport"],
            path: "Tests/VisionModelsTests"
        ),
        .testTarget(
            name: "VisionMetricsTests",
            dependencies: ["VisionMetrics", "VisionMetricAPI", "VisionTestSupport"],
            path: "Tests/VisionMetricsTests"
        ),
        .testTarget(
            name: "VisionFuzzTests",
            dependencies: ["VisionFuzzTargets", "VisionTestSupport"],
            path: "Tests/VisionFuzzTests"
        ),
        .testTarget(
            name: "VisionONNXTests",
            dependencies: [
                "VisionONNX", "VisionModels", "VisionModelAPI", "VisionYAMLModels", "VisionNN", "VisionTensor", "VisionTestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/VisionONNXTests"
        ),
        .testTarget(
            name: "VisionCLITests",
            dependencies: ["vision", "VisionImage", "VisionTestSupport", "SafeTensors"],
            path: "Tests/VisionCLITests"
        ),
    ]
)
