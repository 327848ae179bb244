"""The worker process: one engine, several RQ job threads, a heartbeat, a janitor and a watchdog."""
