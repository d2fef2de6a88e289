"""Simulated inbox and its ground truth, with an independent reference rater (no other iaas_billing imports)."""
