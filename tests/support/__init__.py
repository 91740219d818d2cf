"""Importable test support (helpers shared by test modules; fixtures stay in conftest files)."""
