"""Media for the fake: probe uploads, synthesize clips/BGM, render drafts, a worker pool.

Pure functions over files (no HTTP): `probe` (uploads), `scene` (the picture a prompt
describes) and `synth` (generated clips and BGM), `grade` (colour filters shared by both),
`frames` (yuv420p pictures and text overlays), `render/` (drafts to MP4/MOV), `workers`
(render jobs off the event loop).
"""
