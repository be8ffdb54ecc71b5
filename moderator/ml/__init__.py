"""Machine-learning plumbing shared by every model: model files, the protocol, linear scoring."""
