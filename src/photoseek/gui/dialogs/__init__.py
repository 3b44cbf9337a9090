"""The window's dialogs: folders, settings, preview. Each takes the services and controllers it needs (and a Qt
parent), never the main window; library calls run on workers through the bridge."""
