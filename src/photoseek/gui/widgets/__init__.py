"""The main window's parts: search bar, result grid, details pane, message and status bars, first-run page.

Each widget takes what it shows (a model, the thumbnail loader) and says what the user did through signals; none
takes the main window.
"""
