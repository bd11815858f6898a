"""Media for the fake: probe uploads, synthesize clips/BGM, render drafts, a worker pool.

Pure functions over files (no HTTP). See `probe`, `synth`, `render`, `workers`.
"""
