"""The contract as pydantic models, the single source of truth: `api` (the real API), `control` (the
mock's own API, config and snapshot files) and `scenario` (QA scenario files). Each imports only those before it.
"""
