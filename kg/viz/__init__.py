"""Views of a built graph: interactive HTML (pyvis), static images and exports for other tools."""
