// swift-tools-version:5.10
//
// RNN Workbench: gradient checks, spectral experiments and the poem LSTM, with no
// package dependencies (toolchain only).
import PackageDescription

/// Release builds of the numeric kernels drop bounds and overflow checks. The target CPU is
/// the machine that builds the package (`-target-cpu native`), so the binary uses AVX-512
/// where the builder has it and still builds and runs on a machine without it.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
    .unsafeFlags(["-Xcc", "-march=native", "-target-cpu", "native"], .when(configuration: .release)),
]

let package = Package(
    name: "RNNWorkbench",
    products: [
        .executable(name: "workbench", targets: ["workbench"]),
        .library(name: "Numerics", targets: ["Numerics"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "GradCheck", targets: ["GradCheck"]),
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .library(name: "Spectral", targets: ["Spectral"]),
        .library(name: "Poetry", targets: ["Poetry"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "Exercises", targets: ["Exercises"]),
    ],
    targets: [
        .target(name: "Numerics", swiftSettings: kernelFlags),
        .target(name: "Plotting"),
        .target(name: "Spectral", dependencies: ["Numerics"], swiftSettings: kernelFlags),
        .target(name: "Autodiff", dependencies: ["Numerics"], swiftSettings: kernelFlags),
        .target(name: "GradCheck", dependencies: ["Numerics", "Autodiff"]),
        .target(name: "Recurrent", dependencies: ["Numerics", "Autodiff", "GradCheck"], swiftSettings: kernelFlags),
        .target(name: "Poetry", dependencies: ["Numerics", "Recurrent", "Plotting"], swiftSettings: kernelFlags),
        .target(
            name: "Exercises",
            dependencies: ["Numerics", "Autodiff", "GradCheck", "Recurrent", "Spectral", "Poetry"],
            path: "Exercises"
        ),
        .target(
            name: "WorkbenchCLI",
            dependencies: ["Numerics", "Autodiff", "GradCheck", "Recurrent", "Spectral", "Poetry", "Plotting", "Exercises"]
        ),
        .executableTarget(name: "workbench", dependencies: ["WorkbenchCLI"]),

        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Numerics", "Autodiff", "GradCheck"]),
        .testTarget(name: "GradCheckTests", dependencies: ["Numerics", "Autodiff", "GradCheck"]),
        .testTarget(name: "RecurrentTests", dependencies: ["Numerics", "Autodiff", "GradCheck", "Recurrent"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SpectralTests", dependencies: ["Numerics", "Spectral"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "PoetryTests", dependencies: ["Numerics", "Autodiff", "Recurrent", "Poetry"]),
        .testTarget(name: "ExercisesTests", dependencies: ["Exercises"]),
        .testTarget(name: "WorkbenchCLITests", dependencies: ["WorkbenchCLI", "Poetry"]),
    ]
)
