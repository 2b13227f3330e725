"""The web application on port 8000: the staff console (nurses and admins) under /console,
and the public pages (the chat widget script and a demo clinic page)."""
