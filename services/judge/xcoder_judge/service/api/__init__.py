"""The stateless HTTP API. It validates, enqueues and waits; it never executes submitted code."""
