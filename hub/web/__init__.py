"""The web pages: the shell (``shell.py``), translation catalogs (``catalogs.py``), server-side
markup (``markup.py``) and the static files' versioned URLs (``assets.py``), with the files they serve
beside them: ``templates/``, ``pages/``, ``static/`` and ``i18n/``. The files are package data, so an
installed ``dejima`` serves them from any directory."""
