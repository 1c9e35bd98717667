// Recurrent module.
