"""QA scenarios: load `fixtures/scenarios/*.yaml`, replay them against a target, report step by step."""
