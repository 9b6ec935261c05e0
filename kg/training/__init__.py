"""Training the statistical part of extraction: annotated papers -> spaCy training data -> a trained
pipeline, and cross-validation by paper (`kg train`, `kg eval --folds`)."""
