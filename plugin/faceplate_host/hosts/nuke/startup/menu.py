# Faceplate for Nuke: the Faceplate menu (Nuke runs menu.py only when it has a GUI).
import nuke

from faceplate_host.hosts.nuke.ui import add_menu

add_menu(nuke)
