"""Redis/RQ plumbing shared by the API and the workers: keys, ids, jobs, results, notices."""
