"""The site generator behind build.py: markdown guides in, a linked, CDN-ready static site out.

The build is one straight pipeline around a Site object (see pipeline.py):
gather -> validate -> plan routes -> render -> check links -> write.
"""
