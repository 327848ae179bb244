"""LiveCodeBench-style evaluation: sample k completions per problem, judge them, report avg@k and pass@k."""
