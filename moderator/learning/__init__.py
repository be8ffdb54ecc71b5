"""Learning from a site's moderators: per-site layers, the registry's gate, retraining.

Flask-free. `layer` is the model (a small logistic layer on top of the shared score),
`gate` judges a candidate against the active model, `train` fits candidates from labels,
`registry` writes and checks their files and rows, `serving` hands each request the
models in force for its site, and `jobs` is the background pass that retrains.
"""
