"""Blender's sequence editor: collect selected movie/image strips, place the layer as an image strip
blended ALPHA_OVER on a new channel above the plate. ``adapter.py`` (bpy passed in or imported inside
functions), ``addon.py`` (operators and menu), ``startup/faceplate_blender`` (the add-on folder Blender loads).
"""
