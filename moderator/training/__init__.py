"""Training and evaluation of the models; never imported by the web app."""
