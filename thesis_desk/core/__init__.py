"""The core: storage and services. Pure Python, SQLAlchemy and pandas; never Qt."""
