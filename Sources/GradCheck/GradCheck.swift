// GradCheck module.
