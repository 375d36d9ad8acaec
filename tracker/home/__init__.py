"""The start page (where each user lands) and the language switch."""
