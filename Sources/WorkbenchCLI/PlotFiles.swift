// PlotFiles.swift — the `--plot FILE.svg` option of every command that draws: checked before
// any work, written atomically (an existing file is replaced whole, never deleted first).

import Foundation
import Plotting
import WorkbenchNumerics

/// Throws a usage error unless `path` (when given) ends in .svg and names a file in a folder that exists.
func checkPlotPath(_ path: String?) throws {
    guard let path else { return }
    guard path.lowercased().hasSuffix(".svg"), !path.hasSuffix("/") else {
        throw UsageError("option --plot: '\(path)' must be a file name ending in .svg")
    }
    let folder = (path as NSString).deletingLastPathComponent
    var isDirectory: ObjCBool = false
    if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) {
        throw UsageError("option --plot: folder '\(folder)' does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw UsageError("option --plot: '\(path)' is a folder")
    }
}

/// Writes `chart` as SVG to `path`, replacing any file there.
func writePlot(_ chart: LineChart, to path: String, height: Int = 460) throws {
    try AtomicFile.write(chart.svg(width: 760, height: height), to: path)
}
