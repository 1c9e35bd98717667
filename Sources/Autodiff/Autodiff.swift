// Autodiff module.
