"""Checks that `refkb validate` and the build run, one concern per module; `codes` registers every code."""
