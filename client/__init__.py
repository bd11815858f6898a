"""The thin reference client of the NemoVideo API."""
