// Exports.swift — the modules a user of Poetry needs too, re-exported so that one import is enough
// (`Matrix` and the seeded generator come from WorkbenchNumerics).
// `@_exported` is the toolchain's only way to re-export a module; it changes no behaviour.

@_exported import PoemEngine
@_exported import WorkbenchNumerics
