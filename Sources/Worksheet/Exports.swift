// Exports.swift — the modules a user of Worksheet needs too, re-exported so that one import is enough
// (`Matrix` and the seeded generator come from WorkbenchNumerics, the pass rule from GradCheck).
// `@_exported` is the toolchain's only way to re-export a module; it changes no behaviour.

@_exported import GradCheck
@_exported import WorkbenchNumerics
