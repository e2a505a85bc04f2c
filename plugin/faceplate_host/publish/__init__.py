"""The Faceplate pyblish plug-ins (Collect → Validate → Extract → Integrate), one file per stage.

pyblish loads every ``*.py`` here not starting with ``_`` (``register_plugin_path`` or
``PYBLISHPLUGINPATH``); see ``faceplate_host.publishing`` for running them.
"""
