"""synth-api: the HTTP shell over the pipeline. Handlers validate, enqueue RQ jobs and read run state."""
