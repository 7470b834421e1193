"""The Open311 GeoReport v2 API: other civic tools read the public cases and post reports to the desk."""

from open311.routes import open311_routes

__all__ = ["open311_routes"]
