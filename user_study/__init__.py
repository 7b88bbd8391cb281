"""user_study."""
