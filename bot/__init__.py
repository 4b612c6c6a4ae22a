"""newsbot: feed alerts matched against ticker and AI-keyword watchlists."""
