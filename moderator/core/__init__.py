"""The core: comments, reasons, states, rules, site settings, the decision and the workflow.

Plain values and pure functions; it imports neither Flask nor the database layer.
"""
