"""The contract kit: checks, their oracle, the runner and its report; it never imports the mock."""
