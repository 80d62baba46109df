"""The directory: units, cadres and matters, their import/export and search."""
