"""One router per surface: native submissions, node information, health, metrics, compat APIs."""
