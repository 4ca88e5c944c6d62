"""The console's own pages: home, login, logout, password change."""
