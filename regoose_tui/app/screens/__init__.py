"""The app's screens: main, history, settings, help, replay, and small modals."""
