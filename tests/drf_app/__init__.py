"""A test-only app: models with every field type a migrating team has, compared with DRF's ModelSerializer."""
