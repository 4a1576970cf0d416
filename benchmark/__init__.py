"""Benchmark of the tap against the fake GitHub: throughput, requests, peak memory, latency."""
