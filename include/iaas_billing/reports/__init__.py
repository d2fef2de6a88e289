"""Read-only reports: explain, invoice preview and documents, the finance pack, FOCUS export, summaries."""
