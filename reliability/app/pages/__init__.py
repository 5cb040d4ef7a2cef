"""App pages: each module has one page() function over cached loaders."""
