"""What the public may see of Lapor Camat: the transparency page and the cases it shows (no sign-in)."""
