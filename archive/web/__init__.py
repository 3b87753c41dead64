"""The web pages of the archive (server-rendered, Vietnamese by default): `pages.router`, mounted by the API app."""
