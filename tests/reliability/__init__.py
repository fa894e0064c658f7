"""The reliability suite: faults, crashes, hostile input, consent, secrets (``python -m tests.reliability``)."""
