"""The web console under /console: unit staff handle their complaints, city administrators oversee everything."""
