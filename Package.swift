// swift-tools-version:6.0
//
// RNN Workbench: gradient checks, spectral experiments and the poem LSTM, with no
// package dependencies (toolchain only).
//
// Build flags: the verification libraries (WorkbenchNumerics, Autodiff, GradCheck, Recurrent,
// Spectral, Worksheet) build with the toolchain's safe defaults, so their shape preconditions
// always hold and another package can depend on them by version. Only `PoemEngine`, the fast
// Float32 kernels of the poem trainer, drops bounds and overflow checks and compiles for the
// building machine's CPU (`-target-cpu native`: AVX-512 where the builder has it, AVX2 or NEON
// elsewhere). Set WORKBENCH_TARGET_CPU (e.g. `x86-64-v3` for AVX2 + FMA) to build the kernels
// for another CPU than the one that builds them.
import Foundation
import PackageDescription

let targetCPU = ProcessInfo.processInfo.environment["WORKBENCH_TARGET_CPU"] ?? "native"
let kernelFlags: [SwiftSetting] = [
    // -fno-math-errno: square roots become vector instructions (with errno, each lane of a
    // SIMD square root was a call to libm's sqrtf).
    .unsafeFlags(["-Ounchecked", "-wmo", "-Xcc", "-fno-math-errno"], .when(configuration: .release)),
    .unsafeFlags(["-Xcc", "-march=\(targetCPU)", "-target-cpu", targetCPU], .when(configuration: .release)),
]

let package = Package(
    name: "RNNWorkbench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "workbench", targets: ["workbench"]),
        .library(name: "WorkbenchNumerics", targets: ["WorkbenchNumerics"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "GradCheck", targets: ["GradCheck"]),
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .library(name: "Spectral", targets: ["Spectral"]),
        .library(name: "Poetry", targets: ["Poetry"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Exercises", targets: ["Exercises"]),
        .library(name: "Worksheet", targets: ["Worksheet"]),
    ],
    targets: [
        .target(name: "WorkbenchNumerics"),
        .target(name: "Plotting"),
        .target(name: "Spectral", dependencies: ["WorkbenchNumerics"]),
        .target(name: "Autodiff", dependencies: ["WorkbenchNumerics"]),
        .target(name: "GradCheck", dependencies: ["WorkbenchNumerics", "Autodiff"]),
        .target(name: "Recurrent", dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck"]),
        .target(name: "Worksheet", dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck"]),
        .target(name: "PoemEngine", dependencies: ["WorkbenchNumerics"], swiftSettings: kernelFlags),
        .target(name: "Poetry", dependencies: ["WorkbenchNumerics", "PoemEngine", "Plotting"]),
        .target(
            name: "Exercises",
            dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck", "Recurrent", "Spectral", "Poetry", "Worksheet"],
            path: "Exercises",
            exclude: ["Worksheets"]  // embedded by scripts/embed_worksheets.sh as ShippedWorksheets.swift
        ),
        .target(
            name: "WorkbenchCLI",
            dependencies: [
                "WorkbenchNumerics", "Autodiff", "GradCheck", "Recurrent", "Spectral", "Poetry", "Plotting", "Exercises",
                "Worksheet",
            ]
        ),
        .executableTarget(name: "workbench", dependencies: ["WorkbenchCLI"]),

        .testTarget(name: "WorkbenchNumericsTests", dependencies: ["WorkbenchNumerics"]),
        .testTarget(name: "AutodiffTests", dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck"]),
        .testTarget(name: "GradCheckTests", dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck"]),
        .testTarget(
            name: "RecurrentTests", dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck", "Recurrent"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "SpectralTests", dependencies: ["WorkbenchNumerics", "Spectral"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "PoetryTests", dependencies: ["WorkbenchNumerics", "Autodiff", "Recurrent", "PoemEngine", "Poetry"]),
        .testTarget(name: "ExercisesTests", dependencies: ["Exercises"]),
        .testTarget(
            name: "WorksheetTests", dependencies: ["WorkbenchNumerics", "Autodiff", "GradCheck", "Worksheet"],
            resources: [.copy("Fixtures"), .copy("Blind")]),
        .testTarget(name: "WorkbenchCLITests", dependencies: ["WorkbenchCLI", "Poetry"]),
    ],
    swiftLanguageModes: [.v5]
)
