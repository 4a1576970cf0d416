"""JSON Schemas of the streams, generated from GitHub's OpenAPI description."""
