"""Text: cleaning, tokenising and sentence splitting, and the vocabularies the models read."""
