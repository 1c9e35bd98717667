// Spectral module.
