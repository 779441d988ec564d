"""The site's own date formats (settings.FORMAT_MODULE_PATH), which Django reads before its
locale's: one way of writing a date and a time everywhere, the admin included."""
