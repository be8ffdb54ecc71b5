"""Medical triage: question cues, medical features, red flags, and the trained model."""
