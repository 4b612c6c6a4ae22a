"""Store tests run on SQLite always and on PostgreSQL when it is reachable: the `store_url`
fixture lives in tests/conftest.py (the command-service tests use it too).

Under CI=true an unreachable PostgreSQL fails the run instead of skipping it.
"""
