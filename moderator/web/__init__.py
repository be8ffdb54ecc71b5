"""The HTTP face: the JSON API, the Akismet API, the review page and what they share."""
