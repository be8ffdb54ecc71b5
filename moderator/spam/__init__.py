"""The spam model: features of a comment, the trained scorer, and its reasons."""
