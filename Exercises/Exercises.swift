// Homework exercises.
