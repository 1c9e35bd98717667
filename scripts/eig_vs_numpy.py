#!/usr/bin/env python3
"""Compares the workbench's general eigen-decomposition with NumPy's (LAPACK dgeev): speed on a
seeded 150x150 matrix, and eigenvalue accuracy on scaled, graded, defective and nearly
defective matrices whose exact eigenvalues are known (closed form, or mpmath at 50 digits).

The workbench side runs through a small driver package that this script writes under
.build/eig-vs-numpy-driver and builds in release mode against the repository by path, so it
needs no workbench command. It calls `eigenTiming` (timings, plus the matrix it timed, which
NumPy then times too) and `eigReport` (the report behind `workbench spectral eig`).

Run (needs numpy and mpmath; not part of the test suite; the first run builds for ~1 minute):
    python3 scripts/eig_vs_numpy.py [--order 150] [--seed 1] [--repeats 5]
"""
import argparse
import json
import os
import subprocess
import sys
import time

# One BLAS thread, like the workbench: on a shared machine a threaded BLAS that waits for busy
# cores can be 100x slower than one thread, which would flatter the comparison.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import mpmath  # noqa: E402
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVER = os.path.join(REPO, ".build", "eig-vs-numpy-driver")

MANIFEST = """// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "EigDriver",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: %s)],
    targets: [.executableTarget(name: "eig-driver", dependencies: [.product(name: "Spectral", package: %s)])],
    swiftLanguageModes: [.v5]
)
"""

MAIN = r"""
import Foundation
import Spectral

let encoder = JSONEncoder()
encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
func emit<T: Encodable>(_ value: T) { print(String(data: try! encoder.encode(value), encoding: .utf8)!) }

struct Case: Decodable { var name: String; var rows: [[Double]] }
struct Result: Encodable {
    var name: String
    var eigenvalues: [[Double]]?
    var eigenbasis: String?
    var relativeResidual: Double?
    var error: String?
}

let args = CommandLine.arguments
if args.count == 5, args[1] == "time" {
    emit(try eigenTiming(order: Int(args[2])!, seed: UInt64(args[3])!, repeats: Int(args[4])!))
} else if args.count == 2, args[1] == "eig" {
    let cases = try JSONDecoder().decode([Case].self, from: FileHandle.standardInput.readDataToEndOfFile())
    emit(cases.map { c -> Result in
        do {
            let r = try eigReport(Matrix(c.rows))
            return Result(name: c.name, eigenvalues: r.eigenvalues.map { [$0.re, $0.im] },
                          eigenbasis: r.eigenbasis.rawValue, relativeResidual: r.relativeResidual)
        } catch {
            return Result(name: c.name, error: "\(error)")
        }
    })
} else {
    FileHandle.standardError.write("usage: eig-driver time ORDER SEED REPEATS | eig < cases.json\n".data(using: .utf8)!)
    exit(2)
}
"""


def build_driver():
    os.makedirs(os.path.join(DRIVER, "Sources", "eig-driver"), exist_ok=True)
    name = os.path.basename(REPO)
    files = {
        os.path.join(DRIVER, "Package.swift"): MANIFEST % (json.dumps(REPO), json.dumps(name)),
        os.path.join(DRIVER, "Sources", "eig-driver", "main.swift"): MAIN,
    }
    for path, text in files.items():
        if not os.path.exists(path) or open(path).read() != text:
            with open(path, "w") as f:
                f.write(text)
    subprocess.run(["swift", "build", "-c", "release", "--package-path", DRIVER], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(DRIVER, ".build", "release", "eig-driver")


def run_driver(exe, args, stdin=None):
    out = subprocess.run([exe] + args, input=stdin, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def jordan(m, corner, lam=1.0):
    a = np.diag(np.full(m, lam)) + np.diag(np.ones(m - 1), 1)
    a[m - 1, 0] = corner
    return a


def jordan_truth(m, corner, lam=1.0):
    # det(λI − J) = (λ − lam)^m − corner (up to sign): λ = lam + corner^(1/m) e^(2πik/m).
    mp = mpmath.mp
    mp.dps = 50
    r = mpmath.root(mpmath.mpf(corner), m)
    return [complex(mpmath.mpf(lam) + r * mpmath.expjpi(mpmath.mpf(2 * k) / m)) for k in range(m)]


def mp_truth(a):
    mpmath.mp.dps = 50
    values, _ = mpmath.eig(mpmath.matrix(a.tolist()))
    return [complex(v) for v in values]


def eig_error(computed, truth):
    """max over the true eigenvalues of the distance to the nearest computed one."""
    computed = np.asarray(computed, dtype=complex)
    return max(min(abs(computed - t)) for t in truth)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--order", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()
    exe = build_driver()

    # --- speed -----------------------------------------------------------------------------
    timing = run_driver(exe, ["time", str(opts.order), str(opts.seed), str(opts.repeats)])
    a = np.array(timing["matrix"]["data"], dtype=float).reshape(opts.order, opts.order)
    best = float("inf")
    for _ in range(opts.repeats):
        t0 = time.perf_counter()
        np.linalg.eig(a)
        best = min(best, time.perf_counter() - t0)
    ms = lambda s: "%8.2f ms" % (1e3 * s)
    print("Speed: N = %d, seed %d, fastest of %d runs each (workbench release build)" % (opts.order, opts.seed, opts.repeats))
    print("  workbench realSchur (Hessenberg + Francis QR, with Z)  %s" % ms(timing["schurSeconds"]))
    print("  workbench eigenvalues + eigenvectors (dgeev's work)    %s" % ms(timing["eigenvectorSeconds"]))
    print("  workbench eigen (+ sorting and kappa_2(V) by an SVD)    %s" % ms(timing["decompositionSeconds"]))
    print("  numpy.linalg.eig (LAPACK dgeev, one BLAS thread)        %s" % ms(best))
    print("  ratio: eigenvectors / numpy %.1fx, eigen / numpy %.1fx (target <= 20x); workbench residual %.1e, %d Francis steps"
          % (timing["eigenvectorSeconds"] / best, timing["decompositionSeconds"] / best,
             timing["relativeResidual"], timing["iterations"]))

    # --- accuracy --------------------------------------------------------------------------
    rng = np.random.default_rng(opts.seed)
    b12 = rng.uniform(-1, 1, (12, 12))
    b5 = rng.uniform(-1, 1, (5, 5))
    d = np.diag([2.0 ** -200, 2.0 ** -100, 1.0, 2.0 ** 100, 2.0 ** 200])
    truth_b12, truth_b5 = mp_truth(b12), mp_truth(b5)
    cases = [
        ("J4(1) + 1e-14 corner", jordan(4, 1e-14), jordan_truth(4, 1e-14)),
        ("J4(1) + 1e-10 corner", jordan(4, 1e-10), jordan_truth(4, 1e-10)),
        ("J6(1) + 1e-14 corner", jordan(6, 1e-14), jordan_truth(6, 1e-14)),
        ("J3(0), defective", jordan(3, 0.0, 0.0), [0j, 0j, 0j]),
        ("random 12x12", b12, truth_b12),
        ("2^531 x random 12x12 (~1e160)", b12 * 2.0 ** 531, [t * 2.0 ** 531 for t in truth_b12]),
        ("2^-531 x random 12x12 (~1e-160)", b12 * 2.0 ** -531, [t * 2.0 ** -531 for t in truth_b12]),
        ("2^256 x random 12x12 (~1e77)", b12 * 2.0 ** 256, [t * 2.0 ** 256 for t in truth_b12]),
        ("graded D B D^-1, D = 2^(-200..200)", d @ b5 @ np.linalg.inv(d), truth_b5),
        ("[[1e200,1e200],[1e200,1e200]]", np.full((2, 2), 1e200), [2e200, 0.0]),
        ("[[-4.5e14, 4.4e-258], [4.1e181, -5.3e48]]",
         np.array([[-448374853463172.75, 4.3531825395393395e-258], [4.148844303684269e+181, -5.274998412018835e+48]]),
         mp_truth(np.array([[-448374853463172.75, 4.3531825395393395e-258], [4.148844303684269e+181, -5.274998412018835e+48]]))),
    ]
    results = run_driver(exe, ["eig"], json.dumps([{"name": n, "rows": m.tolist()} for n, m, _ in cases]))
    print()
    print("Accuracy: max over exact eigenvalues of |exact - nearest computed| / rho (absolute when rho = 0)")
    print("  and the relative residual ||WV - V Lambda||_F / ||W||_F of each (computed on 2^-k W, so it cannot overflow)")
    print("  %-42s %10s %10s %7s %10s %10s  %s" % ("matrix", "numpy", "workbench", "ratio", "res numpy", "res wb", "workbench eigenbasis"))
    for (name, m, truth), r in zip(cases, results):
        rho = max(abs(t) for t in truth) or 1.0
        values, vectors = np.linalg.eig(m)
        np_err = eig_error(values, truth) / rho
        scale = 2.0 ** -int(np.floor(np.log2(np.abs(m).max()))) if np.abs(m).max() > 0 else 1.0
        ms = m * scale
        np_res = np.linalg.norm(ms @ vectors - vectors * (values * scale)) / np.linalg.norm(ms)
        if r.get("error"):
            print("  %-42s %10.2e %10s %7s %10.2e %10s  refused: %s" % (name, np_err, "-", "-", np_res, "-", r["error"]))
            continue
        wb = [complex(re, im) for re, im in r["eigenvalues"]]
        wb_err = eig_error(wb, truth) / rho
        ratio = wb_err / np_err if np_err > 0 else (0.0 if wb_err == 0 else float("inf"))
        print("  %-42s %10.2e %10.2e %7.2f %10.2e %10.2e  %s"
              % (name, np_err, wb_err, ratio, np_res, r["relativeResidual"], r["eigenbasis"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
