// Placeholder; replaced by the stage's sources.
